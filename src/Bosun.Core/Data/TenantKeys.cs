using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Data;

/// Keys and references between tenant-scoped rows always carry tenant_id: it keeps a row from
/// pointing into another tenant, and it is what a table distributed by tenant requires.
internal static class TenantKeys
{
    public static void HasTenantKey<T>(this EntityTypeBuilder<T> b) where T : class, ITenantScoped, IAudited =>
        b.HasKey(nameof(ITenantScoped.TenantId), nameof(IAudited.Id));

    public static void References<T, TPrincipal>(this EntityTypeBuilder<T> b, Expression<Func<T, string?>> foreignKey, DeleteBehavior onDelete = DeleteBehavior.Restrict)
        where T : class, ITenantScoped
        where TPrincipal : class, ITenantScoped
    {
        var name = ((MemberExpression)foreignKey.Body).Member.Name;
        b.HasOne<TPrincipal>().WithMany()
            .HasForeignKey(nameof(ITenantScoped.TenantId), name)
            .OnDelete(onDelete);
    }
}
