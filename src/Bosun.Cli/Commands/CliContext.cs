using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bosun.Cli.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands;

/// A mistake in the command line that the server never sees (a missing option, malformed JSON in --input).
public sealed class UsageException(string message) : Exception(message);

/// One run of a client command: where it prints, which server it talks to, and how a failure becomes an exit code.
/// Output goes to the invocation's writers, so a caller (or a test) that swaps them captures everything.
public sealed class CliContext : IDisposable
{
    public const int Ok = 0;
    public const int Unreachable = 1;
    public const int Rejected = 2;
    public const int Conflict = 3;

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private BosunClient? _client;

    public CliContext(ParseResult result, bool json)
    {
        Result = result;
        Json = json;
        RawOut = result.InvocationConfiguration.Output;
        RawError = result.InvocationConfiguration.Error;
        Out = ConsoleFor(RawOut, Console.Out);
        Error = ConsoleFor(RawError, Console.Error);
        Settings = ClientSettings.Resolve(result);
    }

    public ParseResult Result { get; }

    /// True when the user asked for the API's JSON instead of tables.
    public bool Json { get; }

    public IAnsiConsole Out { get; }
    public IAnsiConsole Error { get; }
    public TextWriter RawOut { get; }
    public TextWriter RawError { get; }
    public ClientSettings Settings { get; private set; }

    public BosunClient Client => _client ??= new BosunClient(Settings);

    public T Get<T>(Option<T> option) => Result.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Result.GetValue(argument)!;

    /// Talks to another server or with another token from here on (login checks a token before saving it).
    public void Use(ClientSettings settings)
    {
        _client?.Dispose();
        _client = null;
        Settings = settings;
    }

    public void PrintJson(JsonElement json) => RawOut.WriteLine(JsonSerializer.Serialize(json, Pretty));

    public void PrintJson(object value) => PrintJson(JsonSerializer.SerializeToElement(value, Output.JsonOptions));

    /// Prints the API's JSON with --json, or the human form otherwise.
    public int Print(JsonElement json, Action render)
    {
        if (Json)
        {
            PrintJson(json);
        }
        else
        {
            render();
        }

        return Ok;
    }

    public int Fail(ApiProblem problem)
    {
        if (Json && problem.Problem is { } body)
        {
            RawError.WriteLine(JsonSerializer.Serialize(body, Pretty));
        }
        else
        {
            var title = problem.Problem?.Text("title") is { Length: > 0 } t ? t : $"HTTP {problem.Status}";
            var detail = problem.Problem?.Text("detail") is { Length: > 0 } d ? d : problem.Message;
            Error.MarkupLineInterpolated($"[red bold]{title}[/] [grey]({problem.Status})[/]: {detail}");
            if (problem.Problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    var messages = field.Value.ValueKind == JsonValueKind.Array
                        ? string.Join("; ", field.Value.EnumerateArray().Select(m => m.ToString()))
                        : field.Value.ToString();
                    Error.MarkupLineInterpolated($"  [yellow]{field.Name}[/]: {messages}");
                }
            }

            if (problem.Status == 401)
            {
                Error.MarkupLine("[grey]Log in with[/] bosun login --url URL --token TOKEN[grey], or pass --token.[/]");
            }
        }

        return problem.Status switch
        {
            409 => Conflict,
            >= 400 and < 500 => Rejected,
            _ => Unreachable,
        };
    }

    public int FailUnreachable(Exception ex)
    {
        Error.MarkupLineInterpolated($"[red bold]Could not reach Bosun at {Settings.Url}[/]: {ex.Message}");
        Error.MarkupLine("[grey]Is the server running? Start it with[/] bosun serve[grey], or point the CLI at it with --url or BOSUN_URL.[/]");
        return Unreachable;
    }

    public int FailUsage(string message)
    {
        Error.MarkupLineInterpolated($"[red bold]{message}[/]");
        return Rejected;
    }

    public void Dispose() => _client?.Dispose();

    private static IAnsiConsole ConsoleFor(TextWriter writer, TextWriter standard)
    {
        if (ReferenceEquals(writer, standard))
        {
            var terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
            if (ReferenceEquals(standard, Console.Out) ? Console.IsOutputRedirected : Console.IsErrorRedirected)
            {
                // Piped into grep or a file: one line per row reads better than rows wrapped at 80 columns.
                terminal.Profile.Width = 200;
            }

            return terminal;
        }

        // Captured output (tests, embedding): plain text, wide enough that tables do not wrap.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }
}
