using System.CommandLine;

namespace Bosun.Cli;

/// Commands that talk to a running Bosun over its REST API with a saved token.
public static class ClientCommands
{
    public static void Add(RootCommand root)
    {
    }
}
