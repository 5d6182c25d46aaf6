return await Bosun.Cli.BosunCli.RunAsync(args);
