using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// `archive` and `restore`: the same two verbs for everything Bosun archives instead of deleting.
public static class ArchiveCommands
{
    /// <paramref name="resource"/> is the API's collection (projects, goals, work); <paramref name="nameOf"/> says which
    /// one it was in the message.
    public static Command[] Create(string resource, string what, Func<Argument<string>> argument, Func<JsonElement, string> nameOf) =>
    [
        Verb("archive", $"Archive a {what}: it leaves every list (see them with --archived) until it is restored", "archived", resource, argument(), nameOf),
        Verb("restore", $"Bring an archived {what} back", "restored", resource, argument(), nameOf),
    ];

    /// The `--archived` option of a list: only the archived ones.
    public static Option<bool> ListOption() => new("--archived") { Description = "Only archived ones (they are left out otherwise)" };

    private static Command Verb(string verb, string description, string done, string resource, Argument<string> argument, Func<JsonElement, string> nameOf) =>
        ClientCommand.Create(verb, description, async (cli, ct) =>
        {
            var answer = await cli.Client.PostAsync($"api/v1/{resource}/{Query.Segment(cli.Get(argument))}/{verb}", new Body(), ct);
            return cli.Print(answer, () => cli.Out.MarkupLineInterpolated($"{nameOf(answer)} is {done}."));
        }, argument);
}
