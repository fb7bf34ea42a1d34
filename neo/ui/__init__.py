"""The Qt shell of NEO. With the modules' own ``ui`` packages, the only code that imports Qt."""
