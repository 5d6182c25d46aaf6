using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.Automation;

/// When a schedule fires: on a cron expression in a time zone, every fixed number of seconds, or only when asked.
public enum ScheduleTrigger { Cron, Interval, Manual }

/// What each firing makes: one work item, or an instance of a template (a parent with a sub-item per step).
public enum ScheduleMakes { Item, Template }

/// After downtime: fire none of the missed times, one firing for all of them, or each of them (the latest N).
public enum ScheduleCatchUp { Skip, Once, All }

/// When a time comes and the previous firing's items are not all closed: fire anyway, record the time as skipped, or
/// queue it until they are.
public enum ScheduleOverlap { Allow, SkipIfOpen, Queue }

public enum FiringStatus { Fired, Failed, Skipped, Queued }

public enum FiringTrigger { Scheduled, Manual }

/// A recurring piece of work: its trigger, what it makes, and its policies. The firing bookkeeping (next time, last
/// firing, its error) is written with plain statements so a firing is audited once, as itself, not as a change here.
public sealed class Schedule : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public ScheduleTrigger Trigger { get; set; }
    public string? Cron { get; set; }

    /// IANA name ("Europe/Berlin"); cron times are read in it and placeholders are rendered in it.
    public string TimeZone { get; set; } = "UTC";
    public int? IntervalSeconds { get; set; }

    /// The instant interval firings count from: the first is one interval after it.
    public DateTime AnchorAt { get; set; }
    public ScheduleMakes Makes { get; set; }
    public required string ProjectId { get; set; }
    public string? ItemType { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public string? Assignee { get; set; }
    public string? InputJson { get; set; }
    public string? TemplateId { get; set; }
    public string? VariablesJson { get; set; }
    public bool Active { get; set; } = true;
    public ScheduleCatchUp CatchUp { get; set; }
    public int CatchUpMax { get; set; } = 10;
    public ScheduleOverlap Overlap { get; set; }
    public string CreatedBy { get; set; } = "";

    /// The next time the loop fires this schedule; null while paused or for a manual one.
    public DateTime? NextFireAt { get; set; }
    public DateTime? LastFiredAt { get; set; }
    public string? LastFiringId { get; set; }
    public FiringStatus? LastStatus { get; set; }
    public string? LastError { get; set; }

    /// Failed firings in a row; the first one raises an alert, the ones after it do not.
    public int FailuresInRow { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One time of one schedule: made once, in the transaction that makes its items, and never made twice, whatever number
/// of Bosun processes try (the unique key on tenant, schedule, trigger and fire time). The trigger is part of the key so
/// that a manual firing (at its request time) can never take the time of a scheduled one and block it.
public sealed class ScheduleFiring : ITenantScoped
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string ScheduleId { get; set; }
    public DateTime FireTime { get; set; }
    public FiringTrigger Trigger { get; set; }
    public FiringStatus Status { get; set; }
    public string? Error { get; set; }

    /// The top-level items made (a template instance's parent), as JSON arrays of ids and keys.
    public string? ItemIdsJson { get; set; }
    public string? ItemKeysJson { get; set; }
    public string ActorRef { get; set; } = "";
    public DateTime? MadeAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ScheduleConfiguration : IEntityTypeConfiguration<Schedule>
{
    public void Configure(EntityTypeBuilder<Schedule> b)
    {
        b.HasTenantKey();
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Cron).HasMaxLength(200);
        b.Property(x => x.TimeZone).HasMaxLength(64);
        b.Property(x => x.ItemType).HasMaxLength(100);
        b.Property(x => x.Title).HasMaxLength(500);
        b.Property(x => x.Assignee).HasMaxLength(300);
        b.Property(x => x.TemplateId).HasMaxLength(100);
        b.Property(x => x.CreatedBy).HasMaxLength(100);
        b.Property(x => x.LastError).HasMaxLength(2000);
        b.References<Schedule, Project>(x => x.ProjectId);
        b.HasIndex(x => x.NextFireAt).HasDatabaseName("ix_schedules_due").HasFilter("active AND next_fire_at IS NOT NULL");
    }
}

internal sealed class ScheduleFiringConfiguration : IEntityTypeConfiguration<ScheduleFiring>
{
    public void Configure(EntityTypeBuilder<ScheduleFiring> b)
    {
        b.HasKey(x => new { x.TenantId, x.Id });
        b.Property(x => x.Error).HasMaxLength(2000);
        b.Property(x => x.ActorRef).HasMaxLength(100);
        b.References<ScheduleFiring, Schedule>(x => x.ScheduleId);
        b.HasIndex(x => new { x.TenantId, x.ScheduleId, x.FireTime, x.Trigger }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.ScheduleId, x.Id });
        b.HasIndex(x => x.Status).HasDatabaseName("ix_schedule_firings_queued").HasFilter("status = 'queued'");
    }
}
