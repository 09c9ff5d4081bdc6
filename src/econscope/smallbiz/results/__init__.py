"""The report's results: firm-months, fig02..fig12 and tabA1 (figures), the models behind
fig08/fig09 (models), and the registry of every table built from the panel (registry)."""
