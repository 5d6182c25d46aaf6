using System.Linq.Expressions;

namespace Bosun.Core.Data;

public static class QueryExtensions
{
    /// Rows whose key is one of the ids. One id (the usual case: one item claimed, completed or shown) is matched by
    /// equality, which EF caches as one statement; a list parameter makes it generate the SQL on every call.
    public static IQueryable<T> WhereIn<T>(this IQueryable<T> rows, Expression<Func<T, string>> key, IReadOnlyList<string> ids)
    {
        // The ids enter the query as captured variables, so EF sends them as parameters rather than literals.
        Expression body;
        if (ids.Count == 1)
        {
            var one = ids[0];
            Expression<Func<string>> value = () => one;
            body = Expression.Equal(key.Body, value.Body);
        }
        else
        {
            var all = ids;
            Expression<Func<IReadOnlyList<string>>> values = () => all;
            body = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], values.Body, key.Body);
        }

        return rows.Where(Expression.Lambda<Func<T, bool>>(body, key.Parameters));
    }
}

/// A compiled query (EF translates it once instead of on every call) for each model it runs against: EF binds a
/// compiled query to the first model it meets, and one process can hold a model per store (the tests run both).
public sealed class Compiled<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel, TQuery> _byModel = new();

    public TQuery For(Microsoft.EntityFrameworkCore.DbContext db) => _byModel.GetValue(db.Model, _ => compile());
}
