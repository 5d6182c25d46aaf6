using Bosun.Core.Data;

namespace Bosun.Core.Planning;

internal static class WorkItemStatements
{
    /// The ids of a tenant's work items whose title or key contains @pattern, ignoring case: SQLite's LIKE already
    /// does (for ASCII), PostgreSQL's needs ILIKE. The column is named Value so EF can compose over it.
    public static readonly Statement TitleOrKeyMatches = new("work_items.title_or_key_matches",
        """SELECT id AS "Value" FROM work_items WHERE tenant_id = @tenant AND (title LIKE @pattern OR key LIKE @pattern)""",
        """SELECT id AS "Value" FROM work_items WHERE tenant_id = @tenant AND (title ILIKE @pattern OR key ILIKE @pattern)""");
}
