using System.Collections.Concurrent;
using Bosun.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Core.Realtime;

/// Numbers a tenant's stream events on PostgreSQL after their transactions commit.
///
/// Numbering inside the writing transaction would lock the tenant's stream head until that transaction's commit is on
/// disk, so every write of a tenant would wait for the previous one's WAL flush. Instead a transaction inserts its
/// events with a negative provisional number from one sequence for all tenants, taken just before it commits, and the
/// sequencer gives committed events their final numbers, under the head lock, in provisional order:
/// - numbers have no gaps, and an event never appears below a number a reader has passed, because numbers are only
///   given to committed events, one sequencer at a time, each continuing from the head the last one left;
/// - when one transaction saw or waited for another's changes, the other had committed before the first took its
///   provisional number, so the other's events are visible to any sequencer that sees the first's, and sort first.
///
/// SQLite has one writer at a time, so there events are numbered as they are written and this class does nothing.
public sealed class StreamSequencer(IServiceScopeFactory scopes, StoreOptions store, StreamSignal signal, ILogger<StreamSequencer> logger)
{
    /// Provisional numbers are the sequence's value minus this, so they sort in the order taken and are all negative.
    public const long ProvisionalBase = 1L << 62;

    private const int Batch = StreamStatements.NumberBatch;

    private readonly ConcurrentDictionary<string, byte> _due = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    public bool Enabled => store.Kind == StoreKind.Postgres;

    /// A tenant's transaction committed provisional events.
    public void Nudge(string tenantId)
    {
        _due[tenantId] = 0;
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    /// Numbers as tenants are nudged; every poll interval also looks for events that another process committed and did
    /// not number (it may have stopped in between).
    public async Task RunAsync(TimeSpan pollInterval, CancellationToken ct)
    {
        if (!Enabled)
        {
            return;
        }

        while (!ct.IsCancellationRequested)
        {
            var nudged = await _wake.WaitAsync(pollInterval, ct);
            var tenants = _due.Keys.ToList();
            foreach (var tenant in tenants)
            {
                _due.TryRemove(tenant, out _);
            }

            try
            {
                if (!nudged)
                {
                    tenants = [.. tenants.Union(await TenantsWithProvisionalEventsAsync(ct))];
                }

                foreach (var tenant in tenants)
                {
                    await CatchUpAsync(tenant, ct);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // The events stay provisional and the next poll finds them; nothing is lost while the database is away.
                logger.LogWarning(ex, "Numbering stream events failed; trying again");
            }
        }
    }

    /// Numbers the events of every write that committed before the call, so a reader sees them (its own among them).
    public async Task CatchUpAsync(string tenantId, CancellationToken ct)
    {
        if (Enabled)
        {
            while (await NumberAsync(tenantId, ct) == Batch)
            {
            }
        }
    }

    /// <see cref="CatchUpAsync"/> for every tenant.
    public async Task CatchUpAllAsync(CancellationToken ct)
    {
        if (Enabled)
        {
            foreach (var tenant in await TenantsWithProvisionalEventsAsync(ct))
            {
                await CatchUpAsync(tenant, ct);
            }
        }
    }

    private async Task<List<string>> TenantsWithProvisionalEventsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        return await db.InTransactionAsync(async c =>
        {
            await using var command = Sql.Command(db, StreamStatements.ProvisionalTenants.Postgres);
            var tenants = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(c);
            while (await reader.ReadAsync(c))
            {
                tenants.Add(reader.GetString(0));
            }

            return tenants;
        }, write: false, ct);
    }

    /// One pass: numbers up to <see cref="Batch"/> committed provisional events of the tenant and says how many.
    private async Task<int> NumberAsync(string tenantId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BosunDb>();
        var numbered = await db.InTransactionAsync(async c =>
        {
            // Cheap when there is nothing to do: no lock, no write.
            await using (var any = Sql.Command(db, StreamStatements.AnyProvisional.Postgres))
            {
                if (!(bool)(await any.With("t", tenantId).ExecuteScalarAsync(c))!)
                {
                    return 0;
                }
            }

            long last;
            await using (var head = Sql.Command(db, StreamStatements.LockHead.Postgres))
            {
                last = (long)(await head.With("t", tenantId).ExecuteScalarAsync(c))!;
            }

            int count;
            await using (var number = Sql.Command(db, StreamStatements.Number.Postgres))
            {
                count = (int)(long)(await number.With("t", tenantId).With("last", last).ExecuteScalarAsync(c))!;
            }

            if (count > 0)
            {
                await using var advance = Sql.Command(db, StreamStatements.SetHead.Postgres);
                await advance.With("n", last + count).With("t", tenantId).ExecuteNonQueryAsync(c);
            }

            return count;
        }, write: true, ct);

        if (numbered > 0)
        {
            signal.Pulse(tenantId);
        }

        return numbered;
    }
}
