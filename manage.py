#!/usr/bin/env python
"""Same as the installed `daibiao` command."""

from daibiao.manage import main

if __name__ == "__main__":
    main()
