using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bosun.Cli.Bench;
using Bosun.Cli.Client;
using Bosun.Cli.Commands;
using Bosun.Cli.Import;
using Bosun.Core.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Bosun.Cli;

/// Costs and budgets from the command line: prices, cost quotes, cost reports, budgets, transcript import,
/// event retention and the ledger benchmarks.
public static class LedgerCommands
{
    public static void Add(RootCommand root)
    {
        // --url and --token reach every client command; another command group may have added them already.
        foreach (var option in new Option[] { ClientSettings.UrlOption, ClientSettings.TokenOption })
        {
            if (!root.Options.Contains(option))
            {
                root.Add(option);
            }
        }

        root.Add(Prices());
        root.Add(Cost());
        root.Add(Costs());
        root.Add(UsageCommands.Create());
        root.Add(Budgets());
        root.Add(ImportCommand());
        root.Add(Events());
        root.Add(BenchCommands.Create());
    }

    private static Command Prices()
    {
        var search = new Option<string?>("--search") { Description = "Only models whose name contains this" };
        var list = ClientCommand.Create("list", "The price catalog in force: Bosun's defaults and your tenant's own (USD per million tokens)", async (cli, ct) =>
        {
            var q = cli.Get(search) is { } s ? $"?q={Uri.EscapeDataString(s)}" : "";
            var prices = await cli.Client.GetAsync($"/api/v1/prices{q}", ct);
            return cli.Print(prices, () =>
            {
                var table = new Table().AddColumns("Model", "Provider", "Input", "Output", "Cache read", "Cache write", "Long context", "From", "Source");
                foreach (var p in prices.EnumerateArray())
                {
                    table.AddRow(Esc(p.Str("model")), Esc(p.Str("provider")), Usd(p, "input_usd_per_mtok"), Usd(p, "output_usd_per_mtok"),
                        Usd(p, "cache_read_usd_per_mtok"), Usd(p, "cache_write_usd_per_mtok"),
                        p.GetProperty("long_context_threshold").ValueKind == JsonValueKind.Number ? $"> {p.GetProperty("long_context_threshold").GetInt64():N0}" : "",
                        p.GetProperty("effective_from").GetDateTime().ToString("yyyy-MM-dd"), Esc(p.Str("source")));
                }

                cli.Out.Write(table);
            });
        }, search);

        var file = new Argument<FileInfo>("FILE") { Description = "LiteLLM's model_prices_and_context_window.json or genai-prices' data.json" };
        var from = new Option<DateTimeOffset?>("--effective-from") { Description = "When the imported prices take effect (default now)" };
        var format = new Option<string?>("--format") { Description = "litellm or genai-prices (default: told apart by the file's shape)" };
        var import = ClientCommand.Create("import", "Import prices from LiteLLM's or genai-prices' price file and report the models added, changed and unchanged", async (cli, ct) =>
        {
            var path = cli.Get(file);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(await File.ReadAllBytesAsync(path.FullName, ct));
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{path.FullName} is not a readable JSON price file: {ex.Message}");
            }

            using var _ = document;
            var query = new List<string>();
            if (cli.Get(from) is { } f)
            {
                query.Add($"effective_from={Uri.EscapeDataString(f.ToString("O"))}");
            }

            if (cli.Get(format) is { } fmt)
            {
                query.Add($"format={fmt}");
            }

            JsonElement imported;
            try
            {
                imported = await cli.Client.PostAsync($"/api/v1/prices/import{(query.Count > 0 ? "?" + string.Join('&', query) : "")}", document.RootElement, ct);
            }
            catch (ApiProblem problem) when (problem.Status == 400 && !cli.Json)
            {
                cli.Error.MarkupLineInterpolated($"[red bold]{path.FullName} was not imported.[/]");
                throw;
            }

            return cli.Print(imported, () => PrintImport(cli, imported));
        }, file, from, format);

        return new Command("prices", "The model price catalog") { list, import };
    }

    private static Command Cost()
    {
        var model = new Option<string>("--model") { Description = "Model name as the provider reports it", Required = true };
        var provider = new Option<string?>("--provider") { Description = "anthropic, openai, google, ... (guessed from the model when left out)" };
        var input = new Option<long>("--input") { Description = "Input tokens as the provider reports them" };
        var output = new Option<long>("--output") { Description = "Output tokens" };
        var cacheRead = new Option<long>("--cache-read") { Description = "Cache-read tokens" };
        var cacheWrite = new Option<long>("--cache-write") { Description = "Cache-write tokens" };
        var reasoning = new Option<long>("--reasoning") { Description = "Reasoning tokens" };
        var offline = new Option<bool>("--offline") { Description = "Use Bosun's built-in catalog without asking a server" };
        return ClientCommand.Create("cost", "Print what one call costs at catalog prices", async (cli, ct) =>
        {
            var m = cli.Get(model);
            var p = cli.Get(provider) ?? PriceService.GuessProvider(m);
            JsonElement json;
            try
            {
                json = cli.Get(offline)
                    ? JsonSerializer.SerializeToElement(PriceService.Quote(new PriceCatalog([]), p, m, cli.Get(input), cli.Get(output),
                        cli.Get(cacheRead), cli.Get(cacheWrite), cli.Get(reasoning), null, DateTime.UtcNow), Server.Http.BosunJson.Options)
                    : await cli.Client.GetAsync(
                        $"/api/v1/prices/quote?provider={Uri.EscapeDataString(p)}&model={Uri.EscapeDataString(m)}&input_tokens={cli.Get(input)}" +
                        $"&output_tokens={cli.Get(output)}&cache_read_tokens={cli.Get(cacheRead)}&cache_write_tokens={cli.Get(cacheWrite)}" +
                        $"&reasoning_tokens={cli.Get(reasoning)}", ct);
            }
            catch (Core.Common.ProblemException problem)
            {
                return ServerCommands.Fail(problem);
            }
            catch (HttpRequestException ex) when (ex.StatusCode is null)
            {
                var code = cli.FailUnreachable(ex);
                cli.Error.MarkupLine("[grey]Or use --offline for the built-in catalog.[/]");
                return code;
            }

            var quote = json.Deserialize<CostQuote>(Server.Http.BosunJson.Options)!;
            cli.Print(json, () =>
            {
                if (quote.CostUsd is null)
                {
                    cli.Out.MarkupLineInterpolated($"[yellow]No price for {quote.Provider}/{quote.Model}[/]: calls to it are recorded with an unknown cost.");
                    return;
                }

                cli.Out.MarkupLineInterpolated($"{quote.Model} priced as [bold]{quote.PricedAs}[/] ({quote.PriceRef}){(quote.LongContext ? ", long-context rate" : "")}");
                cli.Out.MarkupLineInterpolated($"billed tokens: input {quote.InputTokens:N0}, output {quote.OutputTokens:N0}, cache read {quote.CacheReadTokens:N0}, cache write {quote.CacheWriteTokens:N0}");
                cli.RawOut.WriteLine($"${quote.CostUsd.Value.ToString("0.000000", CultureInfo.InvariantCulture)}");
            });
            return quote.CostUsd is null ? CliContext.Conflict : CliContext.Ok;
        }, model, provider, input, output, cacheRead, cacheWrite, reasoning, offline);
    }

    private static Command Costs()
    {
        var from = new Option<DateTime?>("--from") { Description = "First day (UTC, default the first of this month)" };
        var to = new Option<DateTime?>("--to") { Description = "Day after the last (default a month after --from)" };
        var by = new Option<string[]>("--by") { Description = "Tables to print: day, model, agent, project, work_item, billing_type", AllowMultipleArgumentsPerToken = true };
        return ClientCommand.Create("costs", "Cost report: spend by day, model, agent and project, top spenders, budgets and unpriced models", async (cli, ct) =>
        {
            var range = (cli.Get(from) is { } f ? $"&from={f:yyyy-MM-dd}" : "") + (cli.Get(to) is { } t ? $"&to={t:yyyy-MM-dd}" : "");
            var groupings = cli.Get(by) is { Length: > 0 } chosen ? chosen : ["day", "model", "agent", "project"];
            var summaries = new Dictionary<string, JsonElement>();
            foreach (var grouping in groupings)
            {
                summaries[grouping] = await cli.Client.GetAsync($"/api/v1/costs/summary?by={Uri.EscapeDataString(grouping)}{range}", ct);
            }

            var unpriced = await cli.Client.GetAsync("/api/v1/costs/unpriced-models", ct);
            if (cli.Json)
            {
                cli.PrintJson(new { by = summaries, unpriced_models = unpriced });
                return CliContext.Ok;
            }

            var last = summaries[groupings[^1]];
            foreach (var (grouping, summary) in summaries)
            {
                cli.Out.Write(CostTable($"By {grouping.Replace('_', ' ')}", summary.GetProperty("rows"), summary.GetProperty("total")));
            }

            cli.Out.MarkupLineInterpolated($"[grey]{last.GetProperty("from").GetDateTime():yyyy-MM-dd} to {last.GetProperty("to").GetDateTime():yyyy-MM-dd} (UTC)[/]");
            if (!groupings.Contains("work_item"))
            {
                cli.Out.Write(CostTable("Top work items", last.GetProperty("top_work_items"), null));
            }

            var budgets = new Table { Title = new TableTitle("Budgets") }.AddColumns("Name", "Scope", "Window", "Spent", "Amount", "Tokens", "Used", "Action", "State");
            foreach (var b in last.GetProperty("budgets").EnumerateArray())
            {
                var state = b.Str("state");
                var color = state switch { "exhausted" or "over" => "red", "warning" => "yellow", _ => "green" };
                budgets.AddRow(Esc(b.Str("name")), Esc($"{b.Str("scope")} {b.Str("scope_id")}"), Esc(b.Str("window")), Usd(b, "spent_usd"), Usd(b, "amount_usd"),
                    BudgetTokens(b), $"{b.GetProperty("percent_used").GetDouble():0.#}%", Esc(b.Str("action")), $"[{color}]{state}[/]");
            }

            cli.Out.Write(budgets);
            if (unpriced.GetArrayLength() > 0)
            {
                var table = new Table { Title = new TableTitle("Models without a price (their cost is unknown)") }.AddColumns("Provider", "Model", "Calls", "Input tokens", "Output tokens", "Last seen");
                foreach (var u in unpriced.EnumerateArray())
                {
                    table.AddRow(Esc(u.Str("provider")), Esc(u.Str("model")), $"{u.GetProperty("calls").GetInt64():N0}", $"{u.GetProperty("input_tokens").GetInt64():N0}",
                        $"{u.GetProperty("output_tokens").GetInt64():N0}", $"{u.GetProperty("last_seen").GetDateTime():u}");
                }

                cli.Out.Write(table);
            }

            return CliContext.Ok;
        }, from, to, by);
    }

    private static Command Budgets()
    {
        var list = ClientCommand.Create("list", "Budgets with their spend in the current window", async (cli, ct) =>
        {
            var all = await cli.Client.GetAsync("/api/v1/budgets", ct);
            return cli.Print(all, () =>
            {
                var table = new Table().AddColumns("Id", "Name", "Scope", "Window", "Spent", "Amount", "Tokens", "Warn at", "Action", "State");
                foreach (var b in all.EnumerateArray())
                {
                    table.AddRow(Esc(b.Str("id")), Esc(b.Str("name")), Esc($"{b.Str("scope")} {b.Str("scope_id")}"), Esc(b.Str("window")), Usd(b, "spent_usd"),
                        Usd(b, "amount_usd"), BudgetTokens(b), $"{b.GetProperty("warn_percent").GetInt32()}%", Esc(b.Str("action")), Esc(b.Str("state")));
                }

                cli.Out.Write(table);
            });
        });

        var scope = new Option<string>("--scope") { Description = "tenant, project, agent or work_item", DefaultValueFactory = _ => "tenant" };
        var scopeId = new Option<string?>("--scope-id") { Description = "Project key, agent name, work item key (or their ids)" };
        var amount = new Option<decimal?>("--amount") { Description = "Amount in USD (give it, --max-tokens, or both)" };
        var maxTokens = new Option<long?>("--max-tokens") { Description = "Cap on input plus output tokens (cache writes count as input)" };
        var cacheReads = new Option<bool>("--count-cache-reads") { Description = "Count cache reads towards --max-tokens too (default: not)" };
        var window = new Option<string>("--window") { Description = "month (UTC calendar month) or lifetime", DefaultValueFactory = _ => "month" };
        var warn = new Option<int?>("--warn-percent") { Description = "Warn at this share of the amount (default 80)" };
        var action = new Option<string>("--action") { Description = "At the cap: stop (default), fail (also fails the running items) or warn", DefaultValueFactory = _ => "stop" };
        var name = new Option<string?>("--name") { Description = "A name to recognise it by" };
        var set = ClientCommand.Create("set", "Set a budget", async (cli, ct) =>
        {
            var budget = await cli.Client.PostAsync("/api/v1/budgets", new BudgetRequest(
                cli.Get(name), Enum.Parse<BudgetScope>(cli.Get(scope).Replace("_", ""), ignoreCase: true), cli.Get(scopeId),
                Enum.Parse<BudgetWindow>(cli.Get(window), ignoreCase: true), cli.Get(amount), cli.Get(warn),
                Enum.Parse<BudgetAction>(cli.Get(action), ignoreCase: true), cli.Get(maxTokens), cli.Get(cacheReads) ? true : null), ct);
            return cli.Print(budget, () => cli.Out.MarkupLineInterpolated(
                $"Budget {budget.Str("id")}: {budget.Str("name")}, {Caps(budget)} per {budget.Str("window")}, {budget.Str("action")} at the cap."));
        }, scope, scopeId, amount, maxTokens, cacheReads, window, warn, action, name);

        var id = new Argument<string>("ID") { Description = "Budget id" };
        var newAmount = new Option<decimal?>("--amount") { Description = "New amount in USD" };
        var newTokens = new Option<long?>("--max-tokens") { Description = "New cap on tokens" };
        var raise = ClientCommand.Create("raise", "Change a budget's amount or token cap; raising it resumes the work it stopped", async (cli, ct) =>
        {
            if (cli.Get(newAmount) is null && cli.Get(newTokens) is null)
            {
                throw new UsageException("Give --amount, --max-tokens or both.");
            }

            var budget = await cli.Client.PatchAsync($"/api/v1/budgets/{Uri.EscapeDataString(cli.Get(id))}",
                new BudgetRequest(null, null, null, null, cli.Get(newAmount), null, null, cli.Get(newTokens)), ct);
            return cli.Print(budget, () => cli.Out.MarkupLineInterpolated(
                $"Budget {budget.Str("name")} is now {Caps(budget)} ({budget.Str("state")})."));
        }, id, newAmount, newTokens);

        return new Command("budgets", "Budgets that stop, fail or warn at a cap on spend or tokens") { list, set, raise };
    }

    private static Command ImportCommand()
    {
        Command Source(string name, string description, Func<BillingType, ITranscriptFormat> format, Func<string> defaultRoot)
        {
            var billing = new Option<string>("--billing") { Description = "How these calls were paid for: subscription (default) or api", DefaultValueFactory = _ => "subscription" };
            var dir = new Argument<string?>("DIR") { Description = "Where the transcripts are (default: " + name switch { "claude-code" => "$CLAUDE_CONFIG_DIR/projects or ~/.claude/projects", "codex" => "$CODEX_HOME/sessions or ~/.codex/sessions", _ => "the current folder; or one file" } + ")", Arity = ArgumentArity.ZeroOrOne };
            return ClientCommand.Create(name, description, async (cli, ct) =>
            {
                var parser = format(Enum.Parse<BillingType>(cli.Get(billing), ignoreCase: true));
                var root = cli.Get(dir) ?? defaultRoot();
                var files = parser.FindFiles(root);
                ImportTotals t;
                if (files.Count == 0 || cli.Json)
                {
                    t = await TranscriptImporter.RunAsync(cli.Client, parser, files, null, null, ct);
                }
                else
                {
                    var totalLines = files.Sum(f => (long)File.ReadLines(f).Count());
                    ImportTotals? totals = null;
                    await cli.Out.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .StartAsync(async progress =>
                        {
                            var fileTask = progress.AddTask($"{files.Count} files", maxValue: files.Count);
                            var lineTask = progress.AddTask($"{totalLines:N0} lines", maxValue: Math.Max(1, totalLines));
                            totals = await TranscriptImporter.RunAsync(cli.Client, parser, files, n => lineTask.Increment(n), _ => fileTask.Increment(1), ct);
                        });
                    t = totals!;
                }

                var exit = t.Problems.Any(p => p.Line == 0) ? 4 : CliContext.Ok;
                if (cli.Json)
                {
                    cli.PrintJson(t);
                    return exit;
                }

                if (files.Count == 0)
                {
                    cli.Out.MarkupLineInterpolated($"No transcripts found under {root}.");
                    return CliContext.Ok;
                }

                cli.Out.MarkupLineInterpolated($"Imported {t.Sessions} sessions ({t.Messages:N0} messages) from {t.Files} files: {t.CallsRecorded:N0} LLM calls recorded, {t.CallsAlreadyKnown:N0} already known.");
                if (t.Orphans > 0)
                {
                    cli.Out.MarkupLineInterpolated($"{t.Orphans} of them sub-agents whose session file is gone.");
                }

                cli.Out.MarkupLineInterpolated($"Tokens: input {t.InputTokens:N0}, output {t.OutputTokens:N0}, cache read {t.CacheReadTokens:N0}, cache write {t.CacheWriteTokens:N0}.");
                foreach (var problem in t.Problems)
                {
                    cli.Out.MarkupLineInterpolated($"[yellow]{problem.File}:{problem.Line}[/]: {problem.Reason}");
                }

                return exit;
            }, dir, billing);
        }

        return new Command("import", "Import coding agents' session transcripts into your tenant (parsed here, posted to the server)")
        {
            Source("claude-code", "Import Claude Code sessions (~/.claude/projects/*/*.jsonl, sub-agents included)", b => new ClaudeCodeTranscripts(b), ClaudeCodeTranscripts.DefaultRoot),
            Source("codex", "Import OpenAI Codex CLI sessions (~/.codex/sessions/**/*.jsonl)", b => new CodexRollouts(b), CodexRollouts.DefaultRoot),
            Source("generic", "Import sessions of any other agent written in Bosun's session format (*.ndjson, *.jsonl; docs/sessions.md)", b => new GenericSessions(b), GenericSessions.DefaultRoot),
        };
    }

    private static Command Events()
    {
        var days = new Option<int?>("--retention-days") { Description = "Keep this many days of raw events (default BOSUN_EVENT_RETENTION_DAYS or 90)" };
        var json = ServerCommands.JsonOption();
        var prune = new Command("prune", "Drop raw agent events past the retention now (hourly roll-ups stay); works on the database directly") { days, json };
        prune.SetAction(async (result, ct) =>
        {
            await using var services = await ServerCommands.OpenStoreAsync(result, ct);
            if (result.GetValue(days) is { } d)
            {
                services.GetRequiredService<LedgerOptions>().EventRetentionDays = d;
            }

            await using var scope = services.CreateAsyncScope();
            var events = scope.ServiceProvider.GetRequiredService<EventService>();
            var dropped = await events.ApplyRetentionAsync(ct);
            if (result.GetValue(json))
            {
                ServerCommands.PrintJson(result, new { cutoff = events.RetentionCutoff, dropped });
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"Dropped raw events before {events.RetentionCutoff:yyyy-MM-dd} ({dropped} partitions or rows); roll-ups are kept.");
            }

            return 0;
        });
        return new Command("events", "Agent events") { prune };
    }

    private static Table CostTable(string title, JsonElement rows, JsonElement? total)
    {
        var table = new Table { Title = new TableTitle(title) }.AddColumns("", "Calls", "Input", "Output", "Cache read", "Cache write", "Cost", "List price", "Unpriced");
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }

        void Row(JsonElement r, bool bold)
        {
            var label = r.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : r.Str("key");
            table.AddRow(bold ? "[bold]total[/]" : Esc(label), $"{r.GetProperty("calls").GetInt64():N0}", $"{r.GetProperty("input_tokens").GetInt64():N0}",
                $"{r.GetProperty("output_tokens").GetInt64():N0}", $"{r.GetProperty("cache_read_tokens").GetInt64():N0}", $"{r.GetProperty("cache_write_tokens").GetInt64():N0}",
                Usd(r, "cost_usd"), Usd(r, "list_cost_usd"), $"{r.GetProperty("unpriced_calls").GetInt64():N0}");
        }

        foreach (var r in rows.EnumerateArray())
        {
            Row(r, false);
        }

        if (total is { } t)
        {
            Row(t, true);
        }

        return table;
    }

    /// One row per model added or re-priced, old → new per rate; unchanged models only counted (a LiteLLM file has thousands).
    private static void PrintImport(CliContext cli, JsonElement imported)
    {
        var added = imported.GetProperty("added").GetArrayLength();
        var changed = imported.GetProperty("changed").GetArrayLength();
        var unchanged = imported.GetProperty("unchanged").GetArrayLength();
        cli.Out.MarkupLineInterpolated(
            $"Read a {imported.Str("format")} file: {added} added, {changed} changed, {unchanged} unchanged, effective from {imported.GetProperty("effective_from").GetDateTime():u}.");
        if (added + changed > 0)
        {
            var table = new Table().AddColumns("Model", "", "Input", "Output", "Cache read", "Cache write", "Long context");
            foreach (var c in imported.GetProperty("changes").EnumerateArray())
            {
                var old = c.GetProperty("old");
                var @new = c.GetProperty("new");
                string Rate(string name) => old.ValueKind != JsonValueKind.Object || Usd(old, name) == Usd(@new, name)
                    ? Usd(@new, name)
                    : $"{Usd(old, name)} → {Usd(@new, name)}";
                table.AddRow(Esc(c.Str("model")),
                    old.ValueKind == JsonValueKind.Object ? $"changed (was {Esc(old.Str("source"))})" : "added",
                    Esc(Rate("input_usd_per_mtok")), Esc(Rate("output_usd_per_mtok")), Esc(Rate("cache_read_usd_per_mtok")),
                    Esc(Rate("cache_write_usd_per_mtok")),
                    @new.GetProperty("long_context_threshold").ValueKind == JsonValueKind.Number ? $"> {@new.GetProperty("long_context_threshold").GetInt64():N0}" : "");
            }

            cli.Out.Write(table);
        }

        cli.Out.MarkupLine("Calls already recorded keep their cost; the new prices apply to calls made from the effective date on.");
    }

    private static string Usd(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? $"${v.GetDecimal().ToString("0.######", CultureInfo.InvariantCulture)}" : "";

    private static string Esc(string? text) => Markup.Escape(text ?? "");

    /// "1,234 of 10,000" tokens, or empty for a budget without a token cap.
    private static string BudgetTokens(JsonElement b) =>
        b.TryGetProperty("max_tokens", out var max) && max.ValueKind == JsonValueKind.Number
            ? $"{Count(b.GetProperty("spent_tokens").GetInt64())} of {Count(max.GetInt64())}"
            : "";

    private static string Caps(JsonElement b) => string.Join(" and ", new[]
    {
        b.TryGetProperty("amount_usd", out var a) && a.ValueKind == JsonValueKind.Number ? $"${a.GetDecimal().ToString(CultureInfo.InvariantCulture)}" : null,
        b.TryGetProperty("max_tokens", out var t) && t.ValueKind == JsonValueKind.Number ? $"{Count(t.GetInt64())} tokens" : null,
    }.OfType<string>());

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
