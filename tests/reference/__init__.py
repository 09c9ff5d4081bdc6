"""Independent reference implementations (oracles) the tests compare econscope with."""
