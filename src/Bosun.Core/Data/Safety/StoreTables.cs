using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Bosun.Core.Data.Safety;

/// How a column's values are written in an archive and compared between stores, whatever the store keeps them as
/// (SQLite keeps times as text and booleans as integers).
public enum ValueKind { Text, Integer, Boolean, Real, Time, Bytes }

/// <param name="Default">What a row that lacks the column gets (a column added later with a default), as the store keeps it.</param>
public sealed record StoreColumn(string Name, ValueKind Kind, Type ProviderType, bool Nullable, int? MaxLength = null, object? Default = null);

/// <param name="NullableColumns">The columns that may be left empty to break the reference for a while: a row
/// pointing at another one not yet loaded is loaded with them empty and given them once the other is in.</param>
public sealed record StoreForeignKey(IReadOnlyList<string> Columns, string PrincipalTable, IReadOnlyList<string> PrincipalColumns, IReadOnlyList<string> NullableColumns);

/// One table as the data model describes it. Backups, archives and store moves read the tables from the model, never
/// from a list kept by hand, so a table added to the model is copied, exported and compared with no change here.
/// <param name="TenantColumn">tenant_id when the table's rows belong to a tenant.</param>
/// <param name="IsTenantRoot">The tenants table itself, whose key the tenant columns of the other tables point at.</param>
public sealed record StoreTable(string Name, IReadOnlyList<StoreColumn> Columns, IReadOnlyList<string> Key,
    IReadOnlyList<StoreForeignKey> ForeignKeys, string? TenantColumn, bool IsTenantRoot)
{
    public StoreColumn Column(string name) => Columns.Single(c => c.Name == name);

    /// False for the instance's own tables (its operators), whose rows belong to no tenant and leave with no tenant archive.
    public bool BelongsToTenant => IsTenantRoot || TenantColumn is not null;
}

/// A table in the order rows are loaded, with the references loaded afterwards (see <see cref="StoreTables.LoadOrder"/>).
public sealed record LoadStep(StoreTable Table, IReadOnlyList<string> LateColumns);

public static class StoreTables
{
    public const string TenantColumn = "tenant_id";

    /// EF's record of applied migrations: the schema version of a database or a backup.
    public const string MigrationHistory = "__EFMigrationsHistory";

    /// The search index (and SQLite's FTS5 tables behind it): derived from model tables by triggers, so it is never
    /// copied row by row. Loading the rows it indexes builds it again (docs/search.md).
    public static bool IsDerived(string table) => table == "search_entries" || table.StartsWith("search_fts", StringComparison.Ordinal);

    /// Every table of the model, by name.
    public static IReadOnlyList<StoreTable> Of(IModel model)
    {
        var tables = new List<StoreTable>();
        foreach (var group in model.GetEntityTypes().Where(e => e.GetTableName() is not null).GroupBy(e => e.GetTableName()!).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (group.Count() > 1)
            {
                throw new NotSupportedException($"Table {group.Key} holds more than one kind of entity; copying it is not supported.");
            }

            var entity = group.Single();
            var table = StoreObjectIdentifier.Table(group.Key, entity.GetSchema());
            string ColumnOf(IProperty p) => p.GetColumnName(table) ?? throw new InvalidOperationException($"{entity.Name}.{p.Name} has no column in {group.Key}.");

            var columns = entity.GetProperties().Select(p => new StoreColumn(ColumnOf(p), KindOf(group.Key, p, out var provider), provider, p.IsNullable, p.GetMaxLength(),
                p.GetDefaultValue() is { } value ? p.GetTypeMapping().Converter?.ConvertToProvider(value) ?? value : null)).ToList();
            var key = entity.FindPrimaryKey()?.Properties.Select(ColumnOf).ToList()
                      ?? throw new NotSupportedException($"Table {group.Key} has no primary key; copying it is not supported.");
            var foreignKeys = entity.GetForeignKeys()
                .Select(fk => new StoreForeignKey(
                    fk.Properties.Select(ColumnOf).ToList(),
                    fk.PrincipalEntityType.GetTableName()!,
                    fk.PrincipalKey.Properties.Select(p => p.GetColumnName(StoreObjectIdentifier.Table(fk.PrincipalEntityType.GetTableName()!, fk.PrincipalEntityType.GetSchema()))!).ToList(),
                    fk.Properties.Where(p => p.IsNullable).Select(ColumnOf).ToList()))
                .ToList();
            tables.Add(new StoreTable(group.Key, columns, key, foreignKeys, columns.Any(c => c.Name == TenantColumn) ? TenantColumn : null, false));
        }

        // The tenant root is the table the tenant columns point at.
        var roots = tables.SelectMany(t => t.ForeignKeys).Where(fk => fk.Columns is [TenantColumn]).Select(fk => fk.PrincipalTable).Distinct().ToList();
        return tables.Select(t => roots.Contains(t.Name) ? t with { IsTenantRoot = true } : t).ToList();
    }

    private static ValueKind KindOf(string table, IProperty property, out Type provider)
    {
        var mapping = property.GetRelationalTypeMapping();
        var type = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            type = Enum.GetUnderlyingType(type);
        }

        provider = type;
        if (type == typeof(string))
        {
            return ValueKind.Text;
        }

        if (type == typeof(long) || type == typeof(int) || type == typeof(short) || type == typeof(byte))
        {
            return ValueKind.Integer;
        }

        if (type == typeof(bool))
        {
            return ValueKind.Boolean;
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return ValueKind.Real;
        }

        if (type == typeof(DateTime))
        {
            return ValueKind.Time;
        }

        if (type == typeof(byte[]))
        {
            return ValueKind.Bytes;
        }

        // A new kind of column needs its archive form decided here; the data safety tests fail until it has one.
        throw new NotSupportedException($"{table}.{property.GetColumnName()} is a {type.Name}, which backups and archives cannot copy yet.");
    }

    /// The order in which rows can be inserted with every reference checked as it is made: a table after the tables it
    /// points at. References that go round in a circle (a work item's plan, and the work item a plan is for; an item's
    /// parent item) cannot all be satisfied by any order, so those whose columns may be empty are loaded late: the rows
    /// go in with them empty, and they are set once every row of the circle is in. A circle made only of references that
    /// may not be empty cannot be loaded, and says so.
    public static IReadOnlyList<LoadStep> LoadOrder(IReadOnlyList<StoreTable> tables)
    {
        var remaining = tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var order = new List<LoadStep>();
        while (remaining.Count > 0)
        {
            List<StoreForeignKey> Waiting(StoreTable t) =>
                t.ForeignKeys.Where(fk => fk.PrincipalTable != t.Name && remaining.ContainsKey(fk.PrincipalTable)).ToList();

            var ready = remaining.Values.Where(t => Waiting(t).Count == 0).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
            if (ready.Count == 0)
            {
                // In a circle: of the tables that wait only on tables of their own circle (a circle that waits on nothing
                // else exists whenever none is ready), take the one that waits on the fewest, and only through
                // references that may be empty. A table that merely comes after a circle waits for it to be loaded.
                var circle = Circles(remaining.Values, Waiting);
                ready =
                [
                    remaining.Values
                        .Where(t => Waiting(t).All(fk => circle[fk.PrincipalTable] == circle[t.Name]))
                        .Where(t => Waiting(t).All(fk => fk.NullableColumns.Count > 0))
                        .OrderBy(t => Waiting(t).Count).ThenBy(t => t.Name, StringComparer.Ordinal)
                        .FirstOrDefault()
                    ?? throw new NotSupportedException(
                        $"The tables {string.Join(", ", remaining.Keys.Order(StringComparer.Ordinal))} refer to one another through columns that may not be empty; they cannot be loaded in any order."),
                ];
            }

            foreach (var table in ready)
            {
                var self = table.ForeignKeys.Where(fk => fk.PrincipalTable == table.Name).ToList();
                if (self.Any(fk => fk.NullableColumns.Count == 0))
                {
                    throw new NotSupportedException($"{table.Name} refers to itself through columns that may not be empty; its rows cannot be loaded.");
                }

                var late = Waiting(table).Concat(self).SelectMany(fk => fk.NullableColumns).Distinct().ToList();
                order.Add(new LoadStep(table, late));
                remaining.Remove(table.Name);
            }
        }

        return order;
    }

    /// Which circle of references (strongly connected component) each table belongs to, by Tarjan's algorithm.
    private static Dictionary<string, int> Circles(IEnumerable<StoreTable> tables, Func<StoreTable, List<StoreForeignKey>> waiting)
    {
        var all = tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var component = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var next = 0;

        void Visit(string name)
        {
            index[name] = low[name] = next++;
            stack.Push(name);
            foreach (var principal in waiting(all[name]).Select(fk => fk.PrincipalTable).Where(all.ContainsKey))
            {
                if (!index.ContainsKey(principal))
                {
                    Visit(principal);
                    low[name] = Math.Min(low[name], low[principal]);
                }
                else if (stack.Contains(principal))
                {
                    low[name] = Math.Min(low[name], index[principal]);
                }
            }

            if (low[name] == index[name])
            {
                string member;
                do
                {
                    member = stack.Pop();
                    component[member] = index[name];
                }
                while (member != name);
            }
        }

        foreach (var name in all.Keys.Order(StringComparer.Ordinal).Where(n => !index.ContainsKey(n)))
        {
            Visit(name);
        }

        return component;
    }

    /// The tables of the model for a store, read from a data context made for it.
    public static IReadOnlyList<StoreTable> Of(StoreOptions store) => Of(ModelOf(store));

    public static IModel ModelOf(StoreOptions store)
    {
        var options = new DbContextOptionsBuilder<BosunDb>();
        store.Configure(options);
        using var db = new BosunDb(options.Options);
        return db.Model;
    }
}
