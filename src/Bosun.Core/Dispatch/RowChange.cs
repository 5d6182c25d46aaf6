using System.Data.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;

namespace Bosun.Core.Dispatch;

/// One column a hot-path UPDATE sets, described once: the SQL it is set to, the key the audit trail shows it under (none
/// for secrets and liveness signals), and where the entity read before the statement keeps it.
internal sealed record Column<T>(string Name, Func<T, object?> Get, Action<T, object?> Put)
{
    /// The SQL value; by default the statement's parameter for this column.
    public string? Sql { get; init; }

    /// The audit trail's key for the column, when it is not the column's name.
    public string? AuditAs { get; init; }

    /// Not shown in the audit trail: secrets, and liveness signals that change with every beat.
    public bool Hidden { get; init; }

    /// Audited as a value the row gained (no "before"), as a claim's run and attempt are.
    public bool Gained { get; init; }

    /// A null value keeps what the column holds (COALESCE in the statement).
    public bool NullKeeps { get; init; }

    /// How the value travels as a parameter (enums as their stored names).
    public Func<object?, object?>? Bind { get; init; }
}

/// The columns one hot path changes in one table. The statement's SET list is made from it once; each call's values
/// then fill the statement's parameters, the audit change set and the entity, so the three cannot disagree on a column.
internal sealed class RowChange<T>(string prefix, params Column<T>[] columns)
{
    public string SetList { get; } = string.Join(", ", columns.Select(c =>
        $"{c.Name} = {c.Sql ?? (c.NullKeeps ? $"COALESCE(@{prefix}{c.Name}, {c.Name})" : $"@{prefix}{c.Name}")}"));

    /// Binds the new values (one per column, in order; unused for columns with SQL of their own) to the command when
    /// there is one, writes them to the entity and answers the audit change set from the entity's values before.
    public DirectAudit.Changes Apply(T entity, DbCommand? command, params object?[] values)
    {
        if (values.Length != columns.Length)
        {
            throw new ArgumentException($"{columns.Length} values expected, {values.Length} given.", nameof(values));
        }

        var changes = new DirectAudit.Changes();
        for (var i = 0; i < columns.Length; i++)
        {
            var column = columns[i];
            var before = column.Get(entity);
            var after = column.NullKeeps ? values[i] ?? before : values[i];
            if (command is not null && column.Sql is null)
            {
                command.With(prefix + column.Name, column.Bind is { } bind ? bind(values[i]) : values[i]);
            }

            if (!column.Hidden)
            {
                var key = column.AuditAs ?? column.Name;
                _ = column.Gained ? changes.Added(key, after) : changes.Set(key, before, after);
            }

            column.Put(entity, after);
        }

        return changes;
    }
}
