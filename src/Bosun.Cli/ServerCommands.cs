using System.CommandLine;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Bosun.Server;
using Bosun.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Bosun.Cli;

/// Commands that work on the database directly: run the server, set up a tenant, migrate.
public static class ServerCommands
{
    public static void Add(RootCommand root)
    {
        root.Add(Serve());
        root.Add(Init());
        root.Add(Migrate());
        root.Add(SetPassword());
    }

    private static Command Serve()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on (or BOSUN_URLS)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BOSUN_URLS") ?? "http://127.0.0.1:5080",
        };
        var logLevel = new Option<string>("--log-level")
        {
            Description = "trace, debug, information (adds one line per request), warning or error (or BOSUN_LOG_LEVEL)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BOSUN_LOG_LEVEL") ?? "warning",
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "text, or json for one JSON object per line (or BOSUN_LOG_FORMAT)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BOSUN_LOG_FORMAT") ?? "text",
        };
        var command = new Command("serve", "Start the Bosun server (API, MCP and web UI); applies pending migrations first") { urls, logLevel, logFormat };
        command.SetAction(async (result, ct) =>
        {
            if (!ServerLogging.Levels.TryGetValue(result.GetValue(logLevel)!, out var level))
            {
                result.InvocationConfiguration.Error.WriteLine($"--log-level (or BOSUN_LOG_LEVEL) must be one of {string.Join(", ", ServerLogging.Levels.Keys)}.");
                return BosunCli.UsageError;
            }

            if (!Enum.TryParse<LogFormat>(result.GetValue(logFormat), ignoreCase: true, out var format) || !Enum.IsDefined(format))
            {
                result.InvocationConfiguration.Error.WriteLine("--log-format (or BOSUN_LOG_FORMAT) must be text or json.");
                return BosunCli.UsageError;
            }

            var options = new BosunServerOptions { Store = StoreSelection.Resolve(result), Urls = result.GetValue(urls)!, LogLevel = level, LogFormat = format };
            await using var app = await BosunServer.StartAsync(options, ct: ct);
            await app.WaitForShutdownAsync();
            return 0;
        });
        return command;
    }

    private static Command Init()
    {
        var tenant = new Option<string?>("--tenant") { Description = "Slug of the new tenant, e.g. acme" };
        var name = new Option<string?>("--name") { Description = "Display name of the tenant (default: the slug), or of the operator with --operator" };
        var email = new Option<string?>("--admin-email") { Description = "Email of the first owner" };
        var adminName = new Option<string?>("--admin-name") { Description = "Name of the first owner" };
        var asOperator = new Option<bool>("--operator") { Description = "Create an instance operator instead of a tenant (with --email)" };
        var operatorEmail = new Option<string?>("--email") { Description = "With --operator: the operator's email" };
        var json = JsonOption("Print {\"tenant\": ..., \"token\": ...} (with --operator {\"operator\": ..., \"token\": ...}) for scripts");
        var command = new Command("init", "Create a tenant with its first owner, or an instance operator, and print its API token (shown once)")
        {
            tenant, name, email, adminName, asOperator, operatorEmail, json,
        };
        command.Validators.Add(r =>
        {
            var required = r.GetValue(asOperator) ? new[] { operatorEmail } : [tenant, email];
            foreach (var missing in required.Where(o => r.GetResult(o) is null))
            {
                r.AddError($"Option '{missing.Name}' is required{(r.GetValue(asOperator) ? " with --operator" : "")}.");
            }
        });
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(asOperator))
            {
                return await CreateOperatorAsync(result, result.GetValue(operatorEmail), result.GetValue(name), result.GetValue(json), ct);
            }

            await using var services = await OpenStoreAsync(result, ct);
            await using var scope = services.CreateAsyncScope();
            try
            {
                var created = await scope.ServiceProvider.GetRequiredService<TenantService>().CreateAsync(
                    result.GetValue(tenant), result.GetValue(name), result.GetValue(email), result.GetValue(adminName), ct);
                if (result.GetValue(json))
                {
                    PrintJson(result, new { tenant = created.Tenant, owner = created.Owner, token = created.Token.Token });
                }
                else
                {
                    AnsiConsole.MarkupLineInterpolated($"Created tenant [bold]{created.Tenant.Slug}[/] with owner {created.Owner.Email}.");
                    AnsiConsole.MarkupLine("Owner API token (shown only now; store it safely):");
                    Console.WriteLine(created.Token.Token);
                    AnsiConsole.MarkupLineInterpolated($"Next: [grey]bosun login --token <token>[/]; for the web UI: [grey]bosun set-password --tenant {created.Tenant.Slug} --email {created.Owner.Email}[/]");
                }

                return 0;
            }
            catch (ProblemException problem)
            {
                return Fail(problem);
            }
        });
        return command;
    }

    /// `bosun init --operator` and `bosun operator create`: an operator works on the database directly, as `init` does.
    public static async Task<int> CreateOperatorAsync(ParseResult result, string? email, string? name, bool json, CancellationToken ct)
    {
        await using var services = await OpenStoreAsync(result, ct);
        await using var scope = services.CreateAsyncScope();
        try
        {
            var created = await scope.ServiceProvider.GetRequiredService<OperatorService>().CreateOperatorAsync(email, name, ct);
            if (json)
            {
                PrintJson(result, new { @operator = created.Operator, token = created.Token });
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"Created instance operator [bold]{created.Operator.Email}[/].");
                AnsiConsole.MarkupLine("Operator API token (shown only now; store it safely):");
                Console.WriteLine(created.Token);
                AnsiConsole.MarkupLine("Next: [grey]bosun operator tenants list --token <token>[/]");
            }

            return 0;
        }
        catch (ProblemException problem)
        {
            return Fail(problem);
        }
    }

    private static Command SetPassword()
    {
        var tenant = new Option<string>("--tenant") { Description = "Slug of the person's tenant", Required = true };
        var email = new Option<string>("--email") { Description = "The person's email", Required = true };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input instead of asking" };
        var json = JsonOption();
        var command = new Command("set-password", "Set a person's web UI password (and lift a sign-in lockout), working on the database directly")
        {
            tenant, email, fromStdin, json,
        };
        command.SetAction(async (result, ct) =>
        {
            string? password;
            if (result.GetValue(fromStdin))
            {
                password = Console.In.ReadLine();
            }
            else
            {
                password = AnsiConsole.Prompt(new TextPrompt<string>("New password:").Secret());
                if (AnsiConsole.Prompt(new TextPrompt<string>("Again:").Secret()) != password)
                {
                    AnsiConsole.MarkupLine("[red]The passwords differ.[/]");
                    return 2;
                }
            }

            await using var services = await OpenStoreAsync(result, ct);
            await using var scope = services.CreateAsyncScope();
            try
            {
                var user = await scope.ServiceProvider.GetRequiredService<SignInService>().SetPasswordAsync(result.GetValue(tenant), result.GetValue(email), password, ct);
                if (result.GetValue(json))
                {
                    PrintJson(result, new { user, password_set = true });
                }
                else
                {
                    result.InvocationConfiguration.Output.WriteLine($"Password set for {user.Email} ({user.Name}); sign in at /signin.");
                }

                return 0;
            }
            catch (ProblemException problem)
            {
                return Fail(problem);
            }
        });
        return command;
    }

    private static Command Migrate()
    {
        var status = new Option<bool>("--status") { Description = "List applied and pending migrations without applying any" };
        var json = JsonOption();
        var command = new Command("migrate", "Apply pending database migrations (forward-only)") { status, json };
        command.SetAction(async (result, ct) =>
        {
            await using var services = BuildServices(StoreSelection.Resolve(result));
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
            if (!result.GetValue(status))
            {
                await Migrator.MigrateAsync(db, ct);
            }

            var state = await Migrator.StatusAsync(db, ct);
            if (result.GetValue(json))
            {
                PrintJson(result, new { applied = state.Applied, pending = state.Pending });
                return 0;
            }

            var table = new Table().AddColumn("Migration").AddColumn("State");
            foreach (var applied in state.Applied)
            {
                table.AddRow(Markup.Escape(applied), "[green]applied[/]");
            }

            foreach (var pending in state.Pending)
            {
                table.AddRow(Markup.Escape(pending), "[yellow]pending[/]");
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{state.Applied.Count} applied, {state.Pending.Count} pending");
            return 0;
        });
        return command;
    }

    public static ServiceProvider BuildServices(StoreOptions store)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        services.AddBosunStore(store);
        BosunServer.AddFeatures(services);
        return services.BuildServiceProvider();
    }

    /// The database, migrated: commands that write data bring the schema up to date first, like the server.
    public static async Task<ServiceProvider> OpenStoreAsync(ParseResult result, CancellationToken ct)
    {
        var services = BuildServices(StoreSelection.Resolve(result));
        await BosunServer.MigrateAsync(services, ct);
        return services;
    }

    public static Option<bool> JsonOption(string description = "Print JSON instead of text") => new("--json") { Description = description };

    public static void PrintJson(ParseResult result, object value) =>
        result.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(value, BosunJson.Options));

    public static int Fail(ProblemException problem)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]{problem.Title}:[/] {problem.Detail}");
        foreach (var (field, messages) in problem.Errors)
        {
            AnsiConsole.MarkupLineInterpolated($"  [yellow]{field}[/]: {string.Join("; ", messages)}");
        }

        return problem.Status == 409 ? 3 : 2;
    }
}
