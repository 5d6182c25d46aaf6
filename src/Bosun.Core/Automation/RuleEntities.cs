using Bosun.Core.Common;
using Bosun.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Automation;

/// When an event happens in the tenant (and its filters match), do the actions. A rule reads the committed stream from
/// <see cref="CursorSeq"/> on; each of its actions runs at most once per event (<see cref="RuleActionRecord"/>).
public sealed class Rule : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// A stream event type, a derived one (<see cref="RuleEvents.Derived"/>) or "inbound" (fired only by its trigger).
    public required string Event { get; set; }
    public string? ProjectId { get; set; }
    public string? ItemType { get; set; }
    public string? Label { get; set; }
    public string? FromStatus { get; set; }
    public string? ToStatus { get; set; }

    /// The actions as a JSON array of <see cref="RuleActionSpec"/>, checked when written.
    public required string ActionsJson { get; set; }
    public bool Enabled { get; set; } = true;

    /// The preset the rule was made from, if any.
    public string? Preset { get; set; }

    /// The last stream event this rule has looked at.
    public long CursorSeq { get; set; }
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum RuleActionStatus { Pending, Done, Failed, Skipped }

/// One action of one rule for one event (or one inbound call): the row that makes it happen at most once. Written when
/// the rule reads the event; marked done in the same transaction as the action's own changes.
public sealed class RuleActionRecord : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string RuleId { get; set; }

    /// "event:{seq}" for a stream event, "inbound:{call id}" for an inbound call.
    public required string Source { get; set; }
    public long? EventSeq { get; set; }
    public required string EventType { get; set; }
    public int ActionIndex { get; set; }
    public required string ActionType { get; set; }

    /// The depth the action's own changes carry: the event's depth plus one.
    public int Depth { get; set; }

    /// The event's fields as variables, fixed when the row is written so the event may be pruned before it runs.
    public required string VariablesJson { get; set; }
    public RuleActionStatus Status { get; set; } = RuleActionStatus.Pending;
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public string? Error { get; set; }

    /// What the action made or changed (item keys), for people reading the list.
    public string? ResultJson { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

internal sealed class RuleConfiguration : IEntityTypeConfiguration<Rule>
{
    public void Configure(EntityTypeBuilder<Rule> b)
    {
        b.ToTable("rules");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Identity.Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Description).HasMaxLength(2000);
        b.Property(x => x.Event).HasMaxLength(50);
        b.Property(x => x.ItemType).HasMaxLength(50);
        b.Property(x => x.Label).HasMaxLength(100);
        b.Property(x => x.FromStatus).HasMaxLength(32);
        b.Property(x => x.ToStatus).HasMaxLength(32);
        b.Property(x => x.Preset).HasMaxLength(50);
        b.Property(x => x.CreatedBy).HasMaxLength(40);
    }
}

internal sealed class RuleActionRecordConfiguration : IEntityTypeConfiguration<RuleActionRecord>
{
    public void Configure(EntityTypeBuilder<RuleActionRecord> b)
    {
        b.ToTable("rule_actions");
        b.HasKey(x => new { x.TenantId, x.Id });
        b.HasOne<Rule>().WithMany().HasForeignKey(x => new { x.TenantId, x.RuleId }).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Source).HasMaxLength(40);
        b.Property(x => x.EventType).HasMaxLength(50);
        b.Property(x => x.ActionType).HasMaxLength(32);
        b.Property(x => x.Error).HasMaxLength(2000);
        b.HasIndex(x => new { x.TenantId, x.RuleId, x.Source, x.ActionIndex }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.RuleId, x.Id });
        b.HasIndex(x => x.NextAttemptAt)
            .HasDatabaseName("ix_rule_actions_due")
            .HasFilter("status = 'pending'");
    }
}
