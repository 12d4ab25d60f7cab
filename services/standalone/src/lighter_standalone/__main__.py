from lighter_standalone.cli import main

main()
