using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Bosun.Cli.Client;
using Bosun.Core.Identity;

namespace Bosun.Cli.Commands;

/// `bosun agent run --agent NAME -- COMMAND ...`: turns any command-line agent into a Bosun worker.
public static class AgentRunCommand
{
    /// Adds `run` to the existing `agent` command group.
    public static void AddTo(RootCommand root)
    {
        var agent = root.Subcommands.First(c => c.Name == "agent");
        agent.Add(Create());
    }

    public static Command Create()
    {
        var agent = new Option<string>("--agent") { Description = "The agent's name or id; the token must be this agent's", Required = true };
        var once = new Option<bool>("--once") { Description = "Handle one work item, then exit" };
        var untilIdle = new Option<bool>("--until-idle") { Description = "Exit when a claim finds no ready work" };
        var parallel = new Option<int>("--parallel") { Description = "Items to work on at once (capped by the agent's max_concurrent_runs)", DefaultValueFactory = _ => 1 };
        var project = new Option<string?>("--project") { Description = "Only claim work of this project" };
        var wait = new Option<int>("--wait") { Description = "Seconds each claim waits for work (long poll, 0-60)", DefaultValueFactory = _ => 30 };
        var heartbeat = new Option<int>("--heartbeat") { Description = "Seconds between heartbeats while the command runs", DefaultValueFactory = _ => 30 };
        var secrets = new Option<string[]>("--secret")
        {
            Description = "NAME=ENV: read the bound secret NAME for each run and give it to the command as the environment variable ENV "
                          + "(never on its command line); repeat for more",
        };
        var command = new Argument<string[]>("command") { Description = "The command to run for each item, after --", Arity = ArgumentArity.OneOrMore };
        var run = ClientCommand.Create("run",
            "Claim work and run COMMAND for each item: the item comes as JSON on stdin and in BOSUN_WORK_ITEM, with BOSUN_URL, BOSUN_TOKEN, "
            + "BOSUN_RUN_ID and BOSUN_LEASE_TOKEN in the environment. Exit 0 completes the run (stdout JSON is the output), anything else fails it. "
            + "The command is killed when Bosun says stop (budget, cancel) or the run times out.",
            async (cli, ct) =>
            {
                if (cli.Settings.Token is null)
                {
                    throw new UsageException("The runner needs the agent's token: --token, BOSUN_TOKEN or 'bosun login'.");
                }

                var options = new RunnerOptions(cli.Get(agent), cli.Get(command), cli.Get(once), cli.Get(untilIdle), Math.Max(1, cli.Get(parallel)),
                    cli.Get(project), Math.Clamp(cli.Get(wait), 0, 60), TimeSpan.FromSeconds(Math.Max(1, cli.Get(heartbeat))),
                    SecretEnvironment.Parse(cli.Get(secrets) ?? []));
                return await new AgentRunner(cli, options).RunAsync(ct);
            },
            agent, once, untilIdle, parallel, project, wait, heartbeat, secrets, command);
        return run;
    }
}

internal sealed record RunnerOptions(
    string Agent, string[] Command, bool Once, bool UntilIdle, int Parallel, string? Project, int WaitSeconds, TimeSpan Heartbeat,
    IReadOnlyList<(string Name, string Variable)> Secrets);

/// `--secret NAME=ENV` pairs: the secret NAME goes into the environment variable ENV (NAME alone means ENV = NAME).
internal static class SecretEnvironment
{
    public static IReadOnlyList<(string Name, string Variable)> Parse(IEnumerable<string> pairs) => pairs.Select(pair =>
    {
        var (name, variable) = pair.Split('=', 2) is [var n, var v] ? (n.Trim(), v.Trim()) : (pair.Trim(), pair.Trim());
        if (name.Length == 0 || variable.Length == 0 || !variable.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(variable[0]))
        {
            throw new UsageException($"--secret {pair}: give NAME=ENV, ENV being an environment variable name (letters, digits, '_').");
        }

        return (name, variable);
    }).ToList();
}

/// The worker loop: claim, run the command, heartbeat while it runs, report, repeat. Every call to Bosun is
/// retried with backoff while Bosun cannot be reached, so a restart of the server only pauses the runner.
internal sealed class AgentRunner(CliContext cli, RunnerOptions options)
{
    private const int TailLength = 4000;
    private const int MaxStdout = 1 << 20;
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(30);

    private readonly Lock _log = new();
    private int _handled;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var agent = await RetryAsync(c => cli.Client.GetAsync($"api/v1/agents/{Uri.EscapeDataString(options.Agent)}", c), "read the agent", ct);
        var me = await RetryAsync(c => Whoami(c), "check the token", ct);
        if (me != agent.GetProperty("id").GetString())
        {
            throw new UsageException($"The token does not belong to agent {options.Agent}; use that agent's token ('bosun agent token {options.Agent}').");
        }

        var limit = agent.GetProperty("max_concurrent_runs").GetInt32();
        var timeout = TimeSpan.FromSeconds(agent.GetProperty("run_timeout_seconds").GetInt32());
        var slots = options.Once ? 1 : Math.Min(options.Parallel, limit);
        Log($"Agent {agent.GetProperty("name").GetString()} runs {string.Join(' ', options.Command)} on up to {slots} item(s) at a time.");
        await CheckInAsync(null, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Enumerable.Range(0, slots).Select(_ => WorkAsync(timeout, stop)).ToList();
        var results = await Task.WhenAll(workers);
        return results.FirstOrDefault(r => r != CliContext.Ok, CliContext.Ok);
    }

    /// Tells Bosun which machine and folder this runner works in, and links the run to them. Only once and without
    /// retrying: where a run happened is worth knowing, never worth holding up the work (or failing on an older server).
    private async Task CheckInAsync(string? runId, CancellationToken ct)
    {
        try
        {
            await cli.Client.PostAsync("api/v1/machines/check-in", Placement.Here(runId), ct);
        }
        catch (Exception ex) when (ex is ApiProblem or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Log($"Could not tell Bosun where this runner works ({ex.Message}); carrying on.");
        }
    }

    /// The agent behind the token: agents list only their own tokens, and each names its agent.
    private async Task<string?> Whoami(CancellationToken ct)
    {
        var tokens = await cli.Client.GetAsync("api/v1/tokens?limit=1", ct);
        return tokens.Items("items").FirstOrDefault().Text("principal") is ['a', 'g', 'e', 'n', 't', ':', .. var agentId] ? agentId : null;
    }

    private async Task<int> WorkAsync(TimeSpan timeout, CancellationTokenSource stop)
    {
        var ct = stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var claimed = await ClaimAsync(ct);
                if (claimed is null)
                {
                    if (options.UntilIdle)
                    {
                        return CliContext.Ok;
                    }

                    continue;
                }

                if (options.Once && Interlocked.Increment(ref _handled) > 1)
                {
                    return CliContext.Ok;
                }

                await HandleAsync(claimed.Value, timeout, ct);
                if (options.Once)
                {
                    await stop.CancelAsync();
                    return CliContext.Ok;
                }
            }

            return CliContext.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return CliContext.Ok;
        }
        catch (ApiProblem problem) when (TenantClosed(problem))
        {
            // Nothing the runner does can succeed until the operator lets the tenant back in, so every worker stops
            // rather than asking again and again.
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Log($"Bosun refused this agent: {Detail(problem)} The runner stops.");
            }

            await stop.CancelAsync();
            return CliContext.Rejected;
        }
    }

    private int _closed;

    private static bool TenantClosed(ApiProblem problem) => problem.Status == 403 && problem.Type == TenantAccess.SuspendedType;

    private async Task<JsonElement?> ClaimAsync(CancellationToken ct)
    {
        var body = new Dictionary<string, object?> { ["max"] = 1, ["wait_seconds"] = options.WaitSeconds };
        if (options.Project is { } project)
        {
            body["project"] = project;
        }

        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var answer = await RetryAsync(c => cli.Client.PostAsync("api/v1/work/claim", body, c), "claim work", ct);
                var items = answer.GetProperty("items");
                return items.GetArrayLength() > 0 ? items[0].Clone() : null;
            }
            catch (ApiProblem problem) when (problem.Status is 409 or 429)
            {
                // A spent budget, a full concurrency limit or a pause after a provider's limit: wait as long as Bosun
                // says (a pause lasts until the limit resets), and ask again.
                var paused = problem.Type == "/problems/claims-paused";
                if (options.UntilIdle && (problem.Status == 409 || paused))
                {
                    Log($"Claim refused: {Detail(problem)}");
                    return null;
                }

                var wait = problem.RetryAfter is { } asked && (paused || asked > backoff) ? asked : backoff;
                Log($"Claim refused ({problem.Status}): {Detail(problem)}; asking again in {wait.TotalSeconds:0}s.");
                await Task.Delay(wait, ct);
                backoff = Next(backoff);
            }
        }
    }

    private enum Ending { Exited, Stopped, TimedOut, LeaseLost }

    private async Task HandleAsync(JsonElement claimed, TimeSpan timeout, CancellationToken ct)
    {
        var item = claimed.GetProperty("item");
        var run = claimed.GetProperty("run");
        var key = item.GetProperty("key").GetString()!;
        var runId = run.GetProperty("run_id").GetString()!;
        var lease = run.GetProperty("lease_token").GetString()!;
        Log($"[{key}] claimed (run {runId}, attempt {run.GetProperty("attempt").GetInt32()}): {item.GetProperty("title").GetString()}");
        await CheckInAsync(runId, ct);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, variable) in options.Secrets)
        {
            try
            {
                var secret = await RetryAsync(c => cli.Client.GetAsync($"api/v1/runs/{runId}/secrets/{Uri.EscapeDataString(name)}", c), $"read secret {name}", ct);
                environment[variable] = secret.GetProperty("value").GetString()!;
            }
            catch (ApiProblem problem)
            {
                Log($"[{key}] cannot read secret {name}: {Detail(problem)}; giving the item back.");
                await RetryAsync(c => cli.Client.PostAsync($"api/v1/runs/{runId}/release", new { lease_token = lease, reason = $"the runner could not read secret {name}" }, c),
                    $"release run {runId}", CancellationToken.None);
                return;
            }
        }

        Process process;
        try
        {
            process = Start(claimed, item, runId, lease, key, environment);
        }
        catch (UsageException)
        {
            await RetryAsync(c => cli.Client.PostAsync($"api/v1/runs/{runId}/release", new { lease_token = lease, reason = "the runner could not start its command" }, c),
                $"release run {runId}", CancellationToken.None);
            throw;
        }

        using var _ = process;
        var stdout = new Capture(MaxStdout);
        var stderr = new Capture(TailLength);
        var values = environment.Values.Where(v => v.Length >= 4).Distinct().ToList();
        var session = new SessionWatch(options.Command[0], (source, id) => LinkSessionAsync(runId, key, source, id));
        var reading = Task.WhenAll(PumpAsync(process.StandardOutput, stdout, null, values, session), PumpAsync(process.StandardError, stderr, $"[{key}] ", values, session));
        await FeedAsync(process, claimed);

        var ending = Ending.Exited;
        string? reason = null;
        var deadline = DateTime.UtcNow + timeout;
        using var exited = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var waiting = process.WaitForExitAsync(exited.Token);
        try
        {
            while (!waiting.IsCompleted)
            {
                var left = deadline - DateTime.UtcNow;
                await Task.WhenAny(waiting, Task.Delay(left < options.Heartbeat ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : options.Heartbeat, ct));
                if (waiting.IsCompleted)
                {
                    break;
                }

                if (DateTime.UtcNow >= deadline)
                {
                    (ending, reason) = (Ending.TimedOut, $"the run timeout of {timeout.TotalSeconds:0}s passed");
                    break;
                }

                var beat = await HeartbeatAsync(runId, lease, ct);
                if (beat is { } answer)
                {
                    (ending, reason) = answer;
                    break;
                }
            }
        }
        catch (ApiProblem problem) when (TenantClosed(problem))
        {
            // The tenant was suspended or cancelled: the run cannot be reported, so its command stops here.
            Log($"[{key}] stopping the command: {Detail(problem)}");
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Kill(process);
            await ReportAsync(runId, lease, key, Ending.Stopped, "the runner was stopped", null, stdout, stderr, CancellationToken.None);
            throw;
        }

        if (ending != Ending.Exited)
        {
            Log($"[{key}] stopping the command: {reason}");
            Kill(process);
        }

        await process.WaitForExitAsync(CancellationToken.None);
        await reading;
        await ReportAsync(runId, lease, key, ending, reason, process.ExitCode, stdout, stderr, ct);
    }

    private Process Start(JsonElement claimed, JsonElement item, string runId, string lease, string key, IReadOnlyDictionary<string, string> secrets)
    {
        var start = new ProcessStartInfo(options.Command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in options.Command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        // An environment variable holds at most 128 KiB on Linux: very long items come without their context there.
        var full = claimed.GetRawText();
        start.Environment["BOSUN_URL"] = cli.Settings.Url;
        start.Environment["BOSUN_TOKEN"] = cli.Settings.Token;
        start.Environment["BOSUN_RUN_ID"] = runId;
        start.Environment["BOSUN_LEASE_TOKEN"] = lease;
        start.Environment["BOSUN_WORK_ITEM_KEY"] = key;
        // Telemetry the agent exports over OTLP (Claude Code, Codex) then names the run, so Bosun books it to the run.
        start.Environment["OTEL_RESOURCE_ATTRIBUTES"] = Environment.GetEnvironmentVariable("OTEL_RESOURCE_ATTRIBUTES") is { Length: > 0 } attributes
            ? $"{attributes},bosun.run_id={runId}"
            : $"bosun.run_id={runId}";
        start.Environment["BOSUN_WORK_ITEM"] = full.Length < 100_000 ? full : item.GetRawText()[..Math.Min(item.GetRawText().Length, 100_000)];
        foreach (var (variable, value) in secrets)
        {
            start.Environment[variable] = value;
        }
        try
        {
            return Process.Start(start) ?? throw new UsageException($"Could not start {options.Command[0]}.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new UsageException($"Could not start {options.Command[0]}: {ex.Message}");
        }
    }

    private static async Task FeedAsync(Process process, JsonElement claimed)
    {
        try
        {
            await process.StandardInput.WriteAsync(claimed.GetRawText());
            await process.StandardInput.WriteLineAsync();
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command does not read its input; it has the item in BOSUN_WORK_ITEM.
        }
    }

    /// Copies the command's output line by line; a secret it was given and prints is masked before it is echoed or reported.
    private async Task PumpAsync(StreamReader reader, Capture capture, string? echoPrefix, IReadOnlyList<string> secrets, SessionWatch session)
    {
        while (await reader.ReadLineAsync() is { } read)
        {
            await session.LookAsync(read);
            var line = secrets.Aggregate(read, (text, secret) => text.Replace(secret, "[secret]", StringComparison.Ordinal));
            capture.Add(line);
            if (echoPrefix is not null)
            {
                Log(echoPrefix + line);
            }
        }
    }

    /// Links the session the agent reported to the run, once; like the check-in, never worth failing the run over.
    private async Task LinkSessionAsync(string runId, string key, string source, string sessionId)
    {
        try
        {
            await cli.Client.PostAsync($"api/v1/runs/{runId}/session", new { source, session_id = sessionId }, CancellationToken.None);
            Log($"[{key}] agent session {sessionId} ({source}) linked to run {runId}");
        }
        catch (Exception ex) when (ex is ApiProblem or HttpRequestException or TaskCanceledException)
        {
            Log($"[{key}] could not link agent session {sessionId} to run {runId} ({ex.Message}); carrying on.");
        }
    }

    /// Null while the run may go on; otherwise why it must end.
    private async Task<(Ending, string)?> HeartbeatAsync(string runId, string lease, CancellationToken ct)
    {
        try
        {
            var answer = await cli.Client.PostAsync($"api/v1/runs/{runId}/heartbeat", new { lease_token = lease }, ct);
            return answer.GetProperty("stop").GetBoolean()
                ? (Ending.Stopped, $"Bosun says stop ({answer.GetProperty("reason").GetString()})")
                : null;
        }
        catch (ApiProblem problem) when (problem.Status == 409)
        {
            return (Ending.LeaseLost, Detail(problem));
        }
        catch (Exception ex) when (Transient(ex) && !ct.IsCancellationRequested)
        {
            // Bosun is away; the command keeps working and the next heartbeat tries again.
            Log($"Heartbeat for run {runId} failed ({ex.Message}); trying again.");
            return null;
        }
    }

    private async Task ReportAsync(string runId, string lease, string key, Ending ending, string? reason, int? exitCode,
        Capture stdout, Capture stderr, CancellationToken ct)
    {
        var exit = exitCode is { } code ? $"exit code {code.ToString(CultureInfo.InvariantCulture)}" : "no exit code";
        var tail = Tail(stdout, stderr);
        (string Action, object Body) call = ending switch
        {
            Ending.Exited when exitCode == 0 => ("complete", new { lease_token = lease, output = OutputOf(stdout), summary = exit }),
            Ending.Exited when LimitOf(stdout) is { } limit => ("fail", limit.With(lease, $"{exit}\n{tail}".Trim())),
            Ending.Exited => ("fail", new { lease_token = lease, error = $"{exit}\n{tail}".Trim(), retryable = true }),
            Ending.TimedOut => ("fail", new { lease_token = lease, error = $"Stopped: {reason}; {exit}\n{tail}".Trim(), retryable = true }),
            Ending.Stopped => ("release", new { lease_token = lease, reason = $"Stopped: {reason}; {exit}" }),
            _ => ("", new { }),
        };
        if (call.Action.Length == 0)
        {
            Log($"[{key}] lease lost ({reason}); the result was not reported.");
            return;
        }

        try
        {
            var outcome = await RetryAsync(c => cli.Client.PostAsync($"api/v1/runs/{runId}/{call.Action}", call.Body, c), $"report run {runId}", ct);
            Log($"[{key}] {exit}: {outcome.GetProperty("item").GetProperty("status").GetString()}");
        }
        catch (ApiProblem problem) when (problem.Status is 409 or 400)
        {
            Log($"[{key}] {exit}; Bosun did not take the result: {Detail(problem)}");
        }
    }

    /// A provider's limit, reported by a command that failed with a JSON object such as {"limit": "rate", "retry_after": 60}
    /// (or "reset_at") on its stdout: the run fails with the limit, so Bosun pauses the claims rather than retrying.
    private sealed record LimitReport(string Limit, JsonElement? RetryAfter, JsonElement? ResetAt, string? Error)
    {
        public object With(string lease, string exit) => new Dictionary<string, object?>
        {
            ["lease_token"] = lease, ["error"] = Error is { Length: > 0 } error ? $"{error}\n{exit}" : exit, ["retryable"] = true,
            ["limit"] = Limit, ["retry_after"] = RetryAfter, ["reset_at"] = ResetAt,
        };
    }

    private static LimitReport? LimitOf(Capture stdout)
    {
        var output = OutputOf(stdout);
        JsonElement? Field(string name) => output.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
        return output.ValueKind == JsonValueKind.Object && Field("limit") is { ValueKind: JsonValueKind.String } limit
            ? new LimitReport(limit.GetString()!, Field("retry_after"), Field("reset_at"), Field("error") is { ValueKind: JsonValueKind.String } e ? e.GetString() : null)
            : null;
    }

    private static JsonElement OutputOf(Capture stdout)
    {
        var text = stdout.Text.Trim();
        if (!stdout.Truncated && text.Length > 0)
        {
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
            }
        }

        return JsonSerializer.SerializeToElement(new { stdout_tail = stdout.Tail(TailLength) });
    }

    private static string Tail(Capture stdout, Capture stderr)
    {
        var parts = new List<string>();
        if (stderr.Text.Length > 0)
        {
            parts.Add("--- stderr (tail)\n" + stderr.Tail(TailLength));
        }

        if (stdout.Text.Length > 0)
        {
            parts.Add("--- stdout (tail)\n" + stdout.Tail(TailLength));
        }

        return string.Join("\n", parts);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It already exited.
        }
    }

    /// Retries while Bosun cannot be reached or fails (connection refused, timeouts, 5xx), with backoff up to 30 s.
    /// Retries while Bosun cannot be reached or fails (connection refused, timeouts, 5xx), with backoff up to 30 s.
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return await call(ct);
            }
            catch (Exception ex) when (Transient(ex) && !ct.IsCancellationRequested)
            {
                Log($"Could not {what} ({ex.Message}); retrying in {backoff.TotalSeconds:0}s.");
                await Task.Delay(backoff, ct);
                backoff = Next(backoff);
            }
        }
    }

    private static bool Transient(Exception ex) => ex switch
    {
        ApiProblem problem => problem.Status >= 500 || problem.Status == (int)HttpStatusCode.RequestTimeout,
        HttpRequestException => true,
        TaskCanceledException => true,
        IOException => true,
        _ => false,
    };

    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 < LongestBackoff ? backoff * 2 : LongestBackoff;

    private static string Detail(ApiProblem problem) =>
        problem.Problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("detail", out var d) ? d.GetString() ?? problem.Message : problem.Message;

    private void Log(string line)
    {
        lock (_log)
        {
            cli.RawError.WriteLine(line);
            cli.RawError.Flush();
        }
    }

    /// Keeps the start of a stream (up to a limit, to parse it as JSON) and knows whether it was cut.
    private sealed class Capture(int limit)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();
        private string _tail = "";

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public void Add(string line)
        {
            lock (_gate)
            {
                if (_text.Length + line.Length + 1 <= limit)
                {
                    _text.Append(line).Append('\n');
                }
                else
                {
                    Truncated = true;
                }

                _tail += line + "\n";
                if (_tail.Length > TailLength)
                {
                    _tail = _tail[^TailLength..];
                }
            }
        }

        public string Tail(int length)
        {
            lock (_gate)
            {
                var source = Truncated ? _tail : _text.ToString();
                return source.Length <= length ? source : source[^length..];
            }
        }
    }
}
