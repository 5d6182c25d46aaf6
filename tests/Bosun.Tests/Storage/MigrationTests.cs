using System.CommandLine;
using Bosun.Cli;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Bosun.Tests.Storage;

public sealed class MigrationTests
{
    [Theory, BothStores]
    public async Task An_empty_database_is_migrated_to_a_working_schema(StoreKind store)
    {
        var empty = await TestDatabases.CreateEmptyAsync(store);
        await using (var db = Open(empty))
        {
            var before = await Migrator.StatusAsync(db);
            Assert.Empty(before.Applied);
            Assert.NotEmpty(before.Pending);
            Assert.Contains(before.Pending, m => m.EndsWith("_Initial", StringComparison.Ordinal));

            await Migrator.MigrateAsync(db);

            var after = await Migrator.StatusAsync(db);
            Assert.Empty(after.Pending);
            Assert.Equal(before.Pending, after.Applied);
        }

        await using var app = await BosunTestApp.StartOnAsync(empty);
        var acme = await app.CreateTenantAsync();
        await acme.CreateProjectAsync("WEB");
        Assert.Equal("WEB-1", (await acme.CreateWorkAsync("WEB", "First on a fresh database")).Str("key"));
    }

    [Theory, BothStores]
    public async Task Migrate_status_lists_pending_migrations_without_applying_them(StoreKind store)
    {
        var empty = await TestDatabases.CreateEmptyAsync(store);
        var target = store == StoreKind.Sqlite
            ? new[] { "--data-dir", Path.Combine(Path.GetTempPath(), $"bosun-cli-{Ids.New()}") }
            : new[] { "--postgres", empty.ConnectionString };
        var cliStore = store == StoreKind.Sqlite ? StoreOptions.Sqlite(Path.Combine(target[1], "bosun.db")) : empty;

        Assert.Equal(0, await BosunAsync(["migrate", "--status", .. target]));
        await using (var db = Open(cliStore))
        {
            var status = await Migrator.StatusAsync(db);
            Assert.Empty(status.Applied);
            Assert.NotEmpty(status.Pending);
        }

        Assert.Equal(0, await BosunAsync(["migrate", .. target]));
        Assert.Equal(0, await BosunAsync(["migrate", .. target]));
        await using (var db = Open(cliStore))
        {
            var status = await Migrator.StatusAsync(db);
            Assert.Empty(status.Pending);
            Assert.NotEmpty(status.Applied);
        }
    }

    [Theory, BothStores]
    public async Task Migrating_a_fresh_database_logs_no_error(StoreKind store)
    {
        var empty = await TestDatabases.CreateEmptyAsync(store);
        var errors = new ErrorLog();
        await using (var db = Open(empty, errors))
        {
            Assert.NotEmpty((await Migrator.StatusAsync(db)).Pending);
            await Migrator.MigrateAsync(db);
            Assert.Empty((await Migrator.StatusAsync(db)).Pending);
        }

        Assert.Empty(errors.Messages);
    }

    [Theory, BothStores]
    public async Task Two_servers_starting_at_once_on_a_fresh_database_both_migrate_it(StoreKind store)
    {
        var empty = await TestDatabases.CreateEmptyAsync(store);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using var db = Open(empty);
            await Migrator.MigrateAsync(db);
        })));

        await using (var db = Open(empty))
        {
            Assert.Empty((await Migrator.StatusAsync(db)).Pending);
        }
    }

    private static async Task<int> BosunAsync(string[] args)
    {
        var root = new RootCommand();
        StoreSelection.AddOptions(root);
        ServerCommands.Add(root);
        return await root.Parse(args).InvokeAsync();
    }

    private static BosunDb Open(StoreOptions store, ILoggerProvider? log = null)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        store.Configure(options);
        if (log is not null)
        {
            options.UseLoggerFactory(LoggerFactory.Create(logging => logging.AddProvider(log)));
        }

        return new BosunDb(options.Options);
    }

    /// What was logged as an error or worse.
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
