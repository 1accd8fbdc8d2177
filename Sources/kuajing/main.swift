import KuajingCLI

await runKuajing()
