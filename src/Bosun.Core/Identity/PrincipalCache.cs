using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Bosun.Core.Identity;

/// Recently resolved bearer tokens, so a busy agent is not looked up on every request. Any change to a token,
/// person, agent or tenant saved by this process empties the cache, once when saved and again when committed;
/// a lookup that started before an emptying is not remembered, so one racing the commit cannot keep the old
/// answer. Other processes on the same database pick the change up when an entry expires, which bounds how
/// long a revoked token keeps working there.
public sealed class PrincipalCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    internal sealed record Entry(Principal Principal, DateTime? TokenExpiresAt, DateTime CachedUntil)
    {
        public DateTime? LastUsedAt { get; set; }
    }

    internal Entry? Find(string tokenHash)
    {
        if (!_entries.TryGetValue(tokenHash, out var entry))
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (entry.CachedUntil <= now || entry.TokenExpiresAt <= now)
        {
            _entries.TryRemove(tokenHash, out _);
            return null;
        }

        return entry;
    }

    /// Taken before a lookup reads the database and handed to <see cref="Remember"/>.
    internal long Generation => Interlocked.Read(ref _generation);

    internal Entry Remember(string tokenHash, Principal principal, DateTime? tokenExpiresAt, DateTime? lastUsedAt, long generation)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var entry = new Entry(principal, tokenExpiresAt, clock.GetUtcNow().UtcDateTime + Lifetime) { LastUsedAt = lastUsedAt };
        _entries[tokenHash] = entry;

        // Emptied while this lookup was reading: what it read may be older than the change, so it is not kept.
        if (Generation != generation)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(tokenHash, entry));
        }

        return entry;
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}

/// Empties the <see cref="PrincipalCache"/> when a save touches what a principal is made of.
public sealed class PrincipalCacheInvalidator(PrincipalCache cache) : CacheInvalidator
{
    protected override bool Touches(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry e) =>
        e.State is EntityState.Modified or EntityState.Deleted && e.Entity is ApiToken or Agent or User or Tenant;

    protected override void Clear() => cache.Clear();
}
