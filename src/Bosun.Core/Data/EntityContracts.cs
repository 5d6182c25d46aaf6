namespace Bosun.Core.Data;

/// A row that belongs to one tenant. The data context stamps and filters <see cref="TenantId"/>;
/// keys and foreign keys of such a row include it.
public interface ITenantScoped
{
    string TenantId { get; set; }
}

public interface IHasTimestamps
{
    DateTime CreatedAt { get; set; }
    DateTime UpdatedAt { get; set; }
}

/// Rows whose every change is written to the audit log in the same transaction.
public interface IAudited
{
    string Id { get; }
}

/// A column left out of the audit row of its entity's changes: bulky text derived from what the row describes (the
/// row's other columns, such as a hash and a size, say what changed).
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotAuditedAttribute : Attribute;
