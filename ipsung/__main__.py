from ipsung.cli import main

main()
