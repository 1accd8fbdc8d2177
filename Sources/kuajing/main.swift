import KuajingCLI

Kuajing.main()
