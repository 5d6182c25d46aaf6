using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Planning;

/// A template as a deliverable uses it: the steps of each pipeline, the variables they ask for, and the version they
/// come from.
public sealed record TemplateDefinition(
    string Id, string Name, string Kind, int Version, IReadOnlyList<TemplateVariable> Variables, IReadOnlyList<TemplateStep> Steps);

/// Where deliverables find their templates by id ("global:KEY" or a tenant template's id), in the caller's tenant.
public interface ITemplateSource
{
    /// The template's current version, or null when the tenant has no such template.
    Task<TemplateDefinition?> FindAsync(string templateId, CancellationToken ct);
}

/// Bosun's global templates and the tenant's own, read from their current version.
public sealed class TenantTemplateSource(BosunDb db) : ITemplateSource
{
    public async Task<TemplateDefinition?> FindAsync(string templateId, CancellationToken ct)
    {
        if (GlobalTemplates.IsGlobal(templateId))
        {
            return GlobalTemplates.Find(templateId) is { } global
                ? new TemplateDefinition(global.Id, global.Name, global.Kind, global.Version, global.Variables, global.Steps)
                : null;
        }

        var template = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, ct);
        if (template is null)
        {
            return null;
        }

        var version = await db.TemplateVersions.AsNoTracking()
            .FirstOrDefaultAsync(v => v.TemplateId == template.Id && v.Version == template.CurrentVersion, ct);
        return version is null
            ? null
            : new TemplateDefinition(template.Id, template.Name, template.Kind, version.Version,
                TemplateJson.Read<TemplateVariable>(version.VariablesJson), TemplateJson.Read<TemplateStep>(version.StepsJson));
    }
}
