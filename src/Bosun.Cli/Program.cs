using System.CommandLine;
using Bosun.Cli;

var root = new RootCommand("Bosun: the control plane for teams of AI agents and people.");
StoreSelection.AddOptions(root);
ServerCommands.Add(root);
ClientCommands.Add(root);
LedgerCommands.Add(root);
return await root.Parse(args).InvokeAsync();
