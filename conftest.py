pytest_plugins = ["secretariat_shared.testing"]
