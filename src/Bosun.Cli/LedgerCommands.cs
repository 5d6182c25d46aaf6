using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bosun.Cli.Bench;
using Bosun.Cli.Client;
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
        root.Add(Budgets());
        root.Add(ImportCommand());
        root.Add(Events());
        root.Add(BenchCommands.Create());
    }

    private static Command Prices()
    {
        var search = new Option<string?>("--search") { Description = "Only models whose name contains this" };
        var list = new Command("list", "The price catalog in force: Bosun's defaults and your tenant's own (USD per million tokens)") { search };
        list.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var q = result.GetValue(search) is { } s ? $"?q={Uri.EscapeDataString(s)}" : "";
            var prices = await client.GetAsync($"/api/v1/prices{q}", ct);
            var table = new Table().AddColumns("Model", "Provider", "Input", "Output", "Cache read", "Cache write", "Long context", "From", "Source");
            foreach (var p in prices.EnumerateArray())
            {
                table.AddRow(Esc(p.Str("model")), Esc(p.Str("provider")), Usd(p, "input_usd_per_mtok"), Usd(p, "output_usd_per_mtok"),
                    Usd(p, "cache_read_usd_per_mtok"), Usd(p, "cache_write_usd_per_mtok"),
                    p.GetProperty("long_context_threshold").ValueKind == JsonValueKind.Number ? $"> {p.GetProperty("long_context_threshold").GetInt64():N0}" : "",
                    p.GetProperty("effective_from").GetDateTime().ToString("yyyy-MM-dd"), Esc(p.Str("source")));
            }

            AnsiConsole.Write(table);
            return 0;
        }));

        var file = new Argument<FileInfo>("FILE") { Description = "LiteLLM's model_prices_and_context_window.json" };
        var from = new Option<DateTimeOffset?>("--effective-from") { Description = "When the imported prices take effect (default now)" };
        var import = new Command("import", "Import prices from LiteLLM's model_prices_and_context_window.json") { file, from };
        import.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var path = result.GetValue(file)!;
            using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(path.FullName, ct));
            var effective = result.GetValue(from) is { } f ? $"?effective_from={Uri.EscapeDataString(f.ToString("O"))}" : "";
            var imported = await client.PostAsync($"/api/v1/prices/import/litellm{effective}", document.RootElement, ct);
            AnsiConsole.MarkupLineInterpolated($"Imported {imported.GetProperty("imported").GetInt32()} prices ({imported.GetProperty("skipped").GetInt32()} unchanged or not token-priced), effective from {imported.GetProperty("effective_from").GetDateTime():u}.");
            return 0;
        }));

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
        var command = new Command("cost", "Print what one call costs at catalog prices") { model, provider, input, output, cacheRead, cacheWrite, reasoning, offline };
        command.SetAction(async (result, ct) =>
        {
            var m = result.GetValue(model)!;
            var p = result.GetValue(provider) ?? PriceService.GuessProvider(m);
            CostQuote quote;
            try
            {
                if (result.GetValue(offline))
                {
                    quote = PriceService.Quote(new PriceCatalog([]), p, m, result.GetValue(input), result.GetValue(output),
                        result.GetValue(cacheRead), result.GetValue(cacheWrite), result.GetValue(reasoning), null, DateTime.UtcNow);
                }
                else
                {
                    using var client = new BosunClient(ClientSettings.Resolve(result));
                    var json = await client.GetAsync(
                        $"/api/v1/prices/quote?provider={Uri.EscapeDataString(p)}&model={Uri.EscapeDataString(m)}&input_tokens={result.GetValue(input)}" +
                        $"&output_tokens={result.GetValue(output)}&cache_read_tokens={result.GetValue(cacheRead)}&cache_write_tokens={result.GetValue(cacheWrite)}" +
                        $"&reasoning_tokens={result.GetValue(reasoning)}", ct);
                    quote = json.Deserialize<CostQuote>(Server.Http.BosunJson.Options)!;
                }
            }
            catch (Core.Common.ProblemException problem)
            {
                return ServerCommands.Fail(problem);
            }
            catch (ApiProblem problem)
            {
                return FailApi(problem);
            }
            catch (HttpRequestException ex)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]No Bosun server answered:[/] {ex.Message} (use --offline for the built-in catalog)");
                return 1;
            }

            if (quote.CostUsd is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]No price for {quote.Provider}/{quote.Model}[/]: calls to it are recorded with an unknown cost.");
                return 3;
            }

            AnsiConsole.MarkupLineInterpolated($"{quote.Model} priced as [bold]{quote.PricedAs}[/] ({quote.PriceRef}){(quote.LongContext ? ", long-context rate" : "")}");
            AnsiConsole.MarkupLineInterpolated($"billed tokens: input {quote.InputTokens:N0}, output {quote.OutputTokens:N0}, cache read {quote.CacheReadTokens:N0}, cache write {quote.CacheWriteTokens:N0}");
            Console.WriteLine($"${quote.CostUsd.Value.ToString("0.000000", CultureInfo.InvariantCulture)}");
            return 0;
        });
        return command;
    }

    private static Command Costs()
    {
        var from = new Option<DateTime?>("--from") { Description = "First day (UTC, default the first of this month)" };
        var to = new Option<DateTime?>("--to") { Description = "Day after the last (default a month after --from)" };
        var by = new Option<string[]>("--by") { Description = "Tables to print: day, model, agent, project, work_item, billing_type", AllowMultipleArgumentsPerToken = true };
        var command = new Command("costs", "Cost report: spend by day, model, agent and project, top spenders, budgets and unpriced models") { from, to, by };
        command.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var range = (result.GetValue(from) is { } f ? $"&from={f:yyyy-MM-dd}" : "") + (result.GetValue(to) is { } t ? $"&to={t:yyyy-MM-dd}" : "");
            var groupings = result.GetValue(by) is { Length: > 0 } chosen ? chosen : ["day", "model", "agent", "project"];
            JsonElement last = default;
            foreach (var grouping in groupings)
            {
                last = await client.GetAsync($"/api/v1/costs/summary?by={Uri.EscapeDataString(grouping)}{range}", ct);
                AnsiConsole.Write(CostTable($"By {grouping.Replace('_', ' ')}", last.GetProperty("rows"), last.GetProperty("total")));
            }

            AnsiConsole.MarkupLineInterpolated($"[grey]{last.GetProperty("from").GetDateTime():yyyy-MM-dd} to {last.GetProperty("to").GetDateTime():yyyy-MM-dd} (UTC)[/]");
            if (!groupings.Contains("work_item"))
            {
                AnsiConsole.Write(CostTable("Top work items", last.GetProperty("top_work_items"), null));
            }

            var budgets = new Table { Title = new TableTitle("Budgets") }.AddColumns("Name", "Scope", "Window", "Spent", "Amount", "Used", "Action", "State");
            foreach (var b in last.GetProperty("budgets").EnumerateArray())
            {
                var state = b.Str("state");
                var color = state switch { "exhausted" or "over" => "red", "warning" => "yellow", _ => "green" };
                budgets.AddRow(Esc(b.Str("name")), Esc($"{b.Str("scope")} {b.Str("scope_id")}"), Esc(b.Str("window")), Usd(b, "spent_usd"), Usd(b, "amount_usd"),
                    $"{b.GetProperty("percent_used").GetDouble():0.#}%", Esc(b.Str("action")), $"[{color}]{state}[/]");
            }

            AnsiConsole.Write(budgets);
            var unpriced = await client.GetAsync("/api/v1/costs/unpriced-models", ct);
            if (unpriced.GetArrayLength() > 0)
            {
                var table = new Table { Title = new TableTitle("Models without a price (their cost is unknown)") }.AddColumns("Provider", "Model", "Calls", "Input tokens", "Output tokens", "Last seen");
                foreach (var u in unpriced.EnumerateArray())
                {
                    table.AddRow(Esc(u.Str("provider")), Esc(u.Str("model")), $"{u.GetProperty("calls").GetInt64():N0}", $"{u.GetProperty("input_tokens").GetInt64():N0}",
                        $"{u.GetProperty("output_tokens").GetInt64():N0}", $"{u.GetProperty("last_seen").GetDateTime():u}");
                }

                AnsiConsole.Write(table);
            }

            return 0;
        }));
        return command;
    }

    private static Command Budgets()
    {
        var list = new Command("list", "Budgets with their spend in the current window");
        list.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var table = new Table().AddColumns("Id", "Name", "Scope", "Window", "Spent", "Amount", "Warn at", "Action", "State");
            foreach (var b in (await client.GetAsync("/api/v1/budgets", ct)).EnumerateArray())
            {
                table.AddRow(Esc(b.Str("id")), Esc(b.Str("name")), Esc($"{b.Str("scope")} {b.Str("scope_id")}"), Esc(b.Str("window")), Usd(b, "spent_usd"),
                    Usd(b, "amount_usd"), $"{b.GetProperty("warn_percent").GetInt32()}%", Esc(b.Str("action")), Esc(b.Str("state")));
            }

            AnsiConsole.Write(table);
            return 0;
        }));

        var scope = new Option<string>("--scope") { Description = "tenant, project, agent or work_item", DefaultValueFactory = _ => "tenant" };
        var scopeId = new Option<string?>("--scope-id") { Description = "Project key, agent name, work item key (or their ids)" };
        var amount = new Option<decimal>("--amount") { Description = "Amount in USD", Required = true };
        var window = new Option<string>("--window") { Description = "month (UTC calendar month) or lifetime", DefaultValueFactory = _ => "month" };
        var warn = new Option<int?>("--warn-percent") { Description = "Warn at this share of the amount (default 80)" };
        var action = new Option<string>("--action") { Description = "At the cap: stop (default) or warn", DefaultValueFactory = _ => "stop" };
        var name = new Option<string?>("--name") { Description = "A name to recognise it by" };
        var set = new Command("set", "Set a budget") { scope, scopeId, amount, window, warn, action, name };
        set.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var budget = await client.PostAsync("/api/v1/budgets", new BudgetRequest(
                result.GetValue(name), Enum.Parse<BudgetScope>(result.GetValue(scope)!.Replace("_", ""), ignoreCase: true), result.GetValue(scopeId),
                Enum.Parse<BudgetWindow>(result.GetValue(window)!, ignoreCase: true), result.GetValue(amount), result.GetValue(warn),
                Enum.Parse<BudgetAction>(result.GetValue(action)!, ignoreCase: true)), ct);
            AnsiConsole.MarkupLineInterpolated($"Budget {budget.Str("id")}: {budget.Str("name")}, ${budget.GetProperty("amount_usd").GetDecimal()} per {budget.Str("window")}, {budget.Str("action")} at the cap.");
            return 0;
        }));

        var id = new Argument<string>("ID") { Description = "Budget id" };
        var newAmount = new Option<decimal>("--amount") { Description = "New amount in USD", Required = true };
        var raise = new Command("raise", "Change a budget's amount; raising it resumes the work it stopped") { id, newAmount };
        raise.SetAction((result, ct) => WithClientAsync(result, async client =>
        {
            var budget = await client.PatchAsync($"/api/v1/budgets/{Uri.EscapeDataString(result.GetValue(id)!)}", new { amount_usd = result.GetValue(newAmount) }, ct);
            AnsiConsole.MarkupLineInterpolated($"Budget {budget.Str("name")} is now ${budget.GetProperty("amount_usd").GetDecimal()} ({budget.Str("state")}).");
            return 0;
        }));

        return new Command("budgets", "Budgets that stop or warn at a spend cap") { list, set, raise };
    }

    private static Command ImportCommand()
    {
        var billing = new Option<string>("--billing") { Description = "How these calls were paid for: subscription (default) or api", DefaultValueFactory = _ => "subscription" };
        Command Source(string name, string description, Func<BillingType, ITranscriptFormat> format, Func<string> defaultRoot)
        {
            var dir = new Argument<string?>("DIR") { Description = "Where the transcripts are (default: " + name switch { "claude-code" => "$CLAUDE_CONFIG_DIR/projects or ~/.claude/projects", _ => "$CODEX_HOME/sessions or ~/.codex/sessions" } + ")", Arity = ArgumentArity.ZeroOrOne };
            var command = new Command(name, description) { dir, billing };
            command.SetAction((result, ct) => WithClientAsync(result, async client =>
            {
                var parser = format(Enum.Parse<BillingType>(result.GetValue(billing)!, ignoreCase: true));
                var root = result.GetValue(dir) ?? defaultRoot();
                var files = parser.FindFiles(root);
                if (files.Count == 0)
                {
                    AnsiConsole.MarkupLineInterpolated($"No transcripts found under {root}.");
                    return 0;
                }

                var totalLines = files.Sum(f => (long)File.ReadLines(f).Count());
                ImportTotals? totals = null;
                await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var fileTask = progress.AddTask($"{files.Count} files", maxValue: files.Count);
                        var lineTask = progress.AddTask($"{totalLines:N0} lines", maxValue: Math.Max(1, totalLines));
                        totals = await TranscriptImporter.RunAsync(client, parser, files, n => lineTask.Increment(n), _ => fileTask.Increment(1), ct);
                    });
                var t = totals!;
                AnsiConsole.MarkupLineInterpolated($"Imported {t.Sessions} sessions ({t.Messages:N0} messages) from {t.Files} files: {t.CallsRecorded:N0} LLM calls recorded, {t.CallsAlreadyKnown:N0} already known.");
                AnsiConsole.MarkupLineInterpolated($"Tokens: input {t.InputTokens:N0}, output {t.OutputTokens:N0}, cache read {t.CacheReadTokens:N0}, cache write {t.CacheWriteTokens:N0}.");
                foreach (var problem in t.Problems)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]{problem.File}:{problem.Line}[/]: {problem.Reason}");
                }

                return t.Problems.Any(p => p.Line == 0) ? 4 : 0;
            }));
            return command;
        }

        return new Command("import", "Import coding agents' session transcripts into your tenant (parsed here, posted to the server)")
        {
            Source("claude-code", "Import Claude Code sessions (~/.claude/projects/*/*.jsonl, sub-agents included)", b => new ClaudeCodeTranscripts(b), ClaudeCodeTranscripts.DefaultRoot),
            Source("codex", "Import OpenAI Codex CLI sessions (~/.codex/sessions/**/*.jsonl)", b => new CodexRollouts(b), CodexRollouts.DefaultRoot),
        };
    }

    private static Command Events()
    {
        var days = new Option<int?>("--retention-days") { Description = "Keep this many days of raw events (default BOSUN_EVENT_RETENTION_DAYS or 90)" };
        var prune = new Command("prune", "Drop raw agent events past the retention now (hourly roll-ups stay); works on the database directly") { days };
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
            AnsiConsole.MarkupLineInterpolated($"Dropped raw events before {events.RetentionCutoff:yyyy-MM-dd} ({dropped} partitions or rows); roll-ups are kept.");
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

    private static async Task<int> WithClientAsync(ParseResult result, Func<BosunClient, Task<int>> work)
    {
        try
        {
            using var client = new BosunClient(ClientSettings.Resolve(result));
            return await work(client);
        }
        catch (ApiProblem problem)
        {
            return FailApi(problem);
        }
        catch (HttpRequestException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No Bosun server answered:[/] {ex.Message}");
            return 1;
        }
    }

    private static int FailApi(ApiProblem problem)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]{problem.Message}[/]");
        if (problem.Problem is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("errors", out var errors))
        {
            foreach (var field in errors.EnumerateObject())
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{field.Name}[/]: {string.Join("; ", field.Value.EnumerateArray().Select(m => m.GetString()))}");
            }
        }

        return problem.Status == 409 ? 3 : 2;
    }

    private static string Usd(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? $"${v.GetDecimal().ToString("0.######", CultureInfo.InvariantCulture)}" : "";

    private static string Esc(string? text) => Markup.Escape(text ?? "");

    private static string? Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
