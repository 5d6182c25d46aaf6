using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Ledger;

internal sealed class LlmCallConfiguration : IEntityTypeConfiguration<LlmCall>
{
    public void Configure(EntityTypeBuilder<LlmCall> b)
    {
        b.ToTable("llm_calls");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.ExternalId).HasMaxLength(200);
        b.Property(x => x.Provider).HasMaxLength(50);
        b.Property(x => x.Model).HasMaxLength(200);
        b.Property(x => x.AgentId).HasMaxLength(26);
        b.Property(x => x.PromptSha256).HasMaxLength(64);
        b.Property(x => x.ResponseSha256).HasMaxLength(64);
        b.Property(x => x.PriceRef).HasMaxLength(300);
        b.References<LlmCall, Run>(x => x.RunId);
        b.References<LlmCall, AgentSession>(x => x.SessionId);
        b.HasIndex(x => new { x.TenantId, x.ExternalId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.RunId });
        b.HasIndex(x => new { x.TenantId, x.SessionId });
        b.HasIndex(x => new { x.TenantId, x.CalledAt });
        b.HasIndex(x => new { x.TenantId, x.Model })
            .HasDatabaseName("ix_llm_calls_unpriced")
            .HasFilter("list_cost_micros IS NULL");
    }
}

internal sealed class ToolCallConfiguration : IEntityTypeConfiguration<ToolCall>
{
    public void Configure(EntityTypeBuilder<ToolCall> b)
    {
        b.ToTable("tool_calls");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.ExternalId).HasMaxLength(200);
        b.Property(x => x.ToolName).HasMaxLength(200);
        b.Property(x => x.Method).HasMaxLength(200);
        b.References<ToolCall, Run>(x => x.RunId);
        b.HasIndex(x => new { x.TenantId, x.ExternalId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.RunId, x.CalledAt });
    }
}

internal sealed class ModelPriceConfiguration : IEntityTypeConfiguration<ModelPrice>
{
    public void Configure(EntityTypeBuilder<ModelPrice> b)
    {
        b.ToTable("model_prices");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.Model).HasMaxLength(200);
        b.Property(x => x.Provider).HasMaxLength(50);
        b.Property(x => x.MatchPatterns).HasMaxLength(1000);
        b.Property(x => x.Source).HasMaxLength(50);
        b.HasIndex(x => new { x.TenantId, x.Model, x.EffectiveFrom }).IsUnique();
    }
}

internal sealed class BudgetConfiguration : IEntityTypeConfiguration<Budget>
{
    public void Configure(EntityTypeBuilder<Budget> b)
    {
        b.ToTable("budgets");
        b.HasTenantKey();
        b.Property(x => x.Name).HasMaxLength(200);
        b.Ignore(x => x.MoneyCap);
        b.HasIndex(x => new { x.TenantId, x.Scope, x.ScopeId });
    }
}

internal sealed class BudgetSpendConfiguration : IEntityTypeConfiguration<BudgetSpend>
{
    public void Configure(EntityTypeBuilder<BudgetSpend> b)
    {
        b.ToTable("budget_spend");
        b.HasKey(x => new { x.TenantId, x.BudgetId, x.WindowStart });
        b.References<BudgetSpend, Budget>(x => x.BudgetId, DeleteBehavior.Cascade);
    }
}

internal sealed class BudgetAlertConfiguration : IEntityTypeConfiguration<BudgetAlert>
{
    public void Configure(EntityTypeBuilder<BudgetAlert> b)
    {
        b.ToTable("budget_alerts");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.DedupeKey).HasMaxLength(200);
        b.HasIndex(x => new { x.TenantId, x.DedupeKey }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.BudgetId });
    }
}

internal sealed class RunCostConfiguration : IEntityTypeConfiguration<RunCost>
{
    public void Configure(EntityTypeBuilder<RunCost> b)
    {
        b.ToTable("run_costs");
        b.HasKey(x => new { x.TenantId, x.RunId });
        b.References<RunCost, Run>(x => x.RunId);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.AgentId });
    }
}

internal sealed class CostDailyConfiguration : IEntityTypeConfiguration<CostDaily>
{
    public void Configure(EntityTypeBuilder<CostDaily> b)
    {
        b.ToTable("cost_daily");
        b.HasKey(x => new { x.TenantId, x.Day, x.ProjectId, x.AgentId, x.WorkItemId, x.Model, x.BillingType });
        b.Property(x => x.Model).HasMaxLength(200);
    }
}

internal sealed class AgentEventConfiguration : IEntityTypeConfiguration<AgentEvent>
{
    public void Configure(EntityTypeBuilder<AgentEvent> b)
    {
        b.ToTable("agent_events");
        // The time column leads the key: PostgreSQL partitions this table by it (see the StoreRules migration).
        b.HasKey(x => new { x.TenantId, x.OccurredAt, x.Id });
        b.Property(x => x.Id).HasMaxLength(100);
        b.Property(x => x.Type).HasMaxLength(50);
        b.Property(x => x.AgentId).HasMaxLength(100);
        b.Property(x => x.SessionId).HasMaxLength(100);
        b.Property(x => x.ProjectId).HasMaxLength(100);
        b.Property(x => x.RunId).HasMaxLength(100);
        b.Property(x => x.Severity).HasMaxLength(20);
    }
}

internal sealed class AgentEventRollupConfiguration : IEntityTypeConfiguration<AgentEventRollup>
{
    public void Configure(EntityTypeBuilder<AgentEventRollup> b)
    {
        b.ToTable("agent_event_rollups");
        b.HasKey(x => new { x.TenantId, x.Hour, x.ProjectId, x.AgentId, x.Type });
        b.Property(x => x.ProjectId).HasMaxLength(100);
        b.Property(x => x.AgentId).HasMaxLength(100);
        b.Property(x => x.Type).HasMaxLength(50);
    }
}

internal sealed class AgentEventRollupSessionConfiguration : IEntityTypeConfiguration<AgentEventRollupSession>
{
    public void Configure(EntityTypeBuilder<AgentEventRollupSession> b)
    {
        b.ToTable("agent_event_rollup_sessions");
        b.HasKey(x => new { x.TenantId, x.Hour, x.ProjectId, x.AgentId, x.Type, x.SessionId });
        b.Property(x => x.ProjectId).HasMaxLength(100);
        b.Property(x => x.AgentId).HasMaxLength(100);
        b.Property(x => x.Type).HasMaxLength(50);
        b.Property(x => x.SessionId).HasMaxLength(100);
    }
}

internal sealed class AgentSessionConfiguration : IEntityTypeConfiguration<AgentSession>
{
    public void Configure(EntityTypeBuilder<AgentSession> b)
    {
        b.ToTable("agent_sessions");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.ExternalId).HasMaxLength(200);
        b.Property(x => x.Machine).HasMaxLength(200);
        b.Property(x => x.WorkspacePath).HasMaxLength(1000);
        b.Property(x => x.GitBranch).HasMaxLength(200);
        b.Property(x => x.Model).HasMaxLength(200);
        b.Property(x => x.Title).HasMaxLength(500);
        b.References<AgentSession, AgentSession>(x => x.ParentId);
        b.References<AgentSession, Run>(x => x.RunId);
        b.HasIndex(x => new { x.TenantId, x.RunId });
        b.HasIndex(x => new { x.TenantId, x.Source, x.ExternalId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.StartedAt });
        b.HasIndex(x => new { x.TenantId, x.Outcome });
        b.HasIndex(x => new { x.TenantId, x.MachineId });
    }
}

internal sealed class SessionMessageConfiguration : IEntityTypeConfiguration<SessionMessage>
{
    public void Configure(EntityTypeBuilder<SessionMessage> b)
    {
        b.ToTable("session_messages");
        b.HasKey(x => new { x.TenantId, x.SessionId, x.Seq });
        b.Property(x => x.ExternalId).HasMaxLength(100);
        b.Property(x => x.Role).HasMaxLength(20);
        b.Property(x => x.Model).HasMaxLength(200);
        b.References<SessionMessage, AgentSession>(x => x.SessionId, DeleteBehavior.Cascade);
    }
}
