using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Bosun.Core.HumanInput;

/// The form people fill in on a work item: its fields, where the values go, and whether it is answered once. Replaced
/// only while nothing has been submitted, so every submission was made against the form it is stored with.
public sealed class ItemForm : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }

    /// {"fields": [...], "bindings": [...], "one_shot": true, "submit_label": "..."} as the API takes it, checked and normalised.
    public required string DefinitionJson { get; set; }
    public bool OneShot { get; set; } = true;
    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// One person's answer to a form: never changed once written (the database refuses it).
public sealed class Submission : ITenantScoped, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public required string FormId { get; set; }

    /// The Idempotency-Key it was sent with: the same key again answers this submission.
    public required string IdempotencyKey { get; set; }

    /// The values as checked against the form, defaults filled in.
    public required string ValuesJson { get; set; }

    /// What each of the form's bindings did with the values.
    public required string BindingsJson { get; set; }
    public required string SubmittedByRef { get; set; }
    public required string SubmittedByName { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum QuestionStatus { Open, Answered, Expired, Cancelled }

public enum QuestionKind { Decide, Provide, Review, Connect }

/// A question an agent's run asked a person or a role. It is answered through the form of its own work item (type
/// question); the answer goes back to the asking item, which a blocking question holds blocked until then.
public sealed class Question : ITenantScoped, IHasTimestamps, IAudited
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = Ids.New();
    public required string WorkItemId { get; set; }
    public required string AskingItemId { get; set; }
    public string? AskingRunId { get; set; }
    public required string AskedByRef { get; set; }

    /// "user:ID" or "role:NAME" (a person's role: owner, admin, member or reviewer).
    public required string ToRef { get; set; }
    public required string Text { get; set; }
    public QuestionKind Kind { get; set; } = QuestionKind.Provide;
    public bool Blocking { get; set; } = true;
    public QuestionStatus Status { get; set; } = QuestionStatus.Open;
    public DateTime? ExpiresAt { get; set; }

    /// At expiry: "default" answers with <see cref="DefaultAnswerJson"/>; "escalate" hands the question to the project lead.
    public string? OnExpiry { get; set; }
    public string? DefaultAnswerJson { get; set; }
    public DateTime? EscalatedAt { get; set; }
    public string? AnswerJson { get; set; }
    public string? AnsweredByRef { get; set; }
    public DateTime? AnsweredAt { get; set; }
    public string? SubmissionId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class ItemFormConfiguration : IEntityTypeConfiguration<ItemForm>
{
    public void Configure(EntityTypeBuilder<ItemForm> b)
    {
        b.ToTable("item_forms");
        b.HasTenantKey();
        b.Property(x => x.CreatedBy).HasMaxLength(40);
        b.References<ItemForm, WorkItem>(x => x.WorkItemId, DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId }).IsUnique();
    }
}

internal sealed class SubmissionConfiguration : IEntityTypeConfiguration<Submission>
{
    public void Configure(EntityTypeBuilder<Submission> b)
    {
        b.HasTenantKey();
        b.Property(x => x.IdempotencyKey).HasMaxLength(200);
        b.Property(x => x.SubmittedByRef).HasMaxLength(40);
        b.Property(x => x.SubmittedByName).HasMaxLength(200);
        b.References<Submission, WorkItem>(x => x.WorkItemId);
        b.References<Submission, ItemForm>(x => x.FormId);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.IdempotencyKey }).IsUnique();
    }
}

internal sealed class QuestionConfiguration : IEntityTypeConfiguration<Question>
{
    public void Configure(EntityTypeBuilder<Question> b)
    {
        b.HasTenantKey();
        b.Property(x => x.AskedByRef).HasMaxLength(40);
        b.Property(x => x.ToRef).HasMaxLength(120);
        b.Property(x => x.Text).HasMaxLength(2000);
        b.Property(x => x.OnExpiry).HasMaxLength(20);
        b.Property(x => x.AnsweredByRef).HasMaxLength(40);
        b.References<Question, WorkItem>(x => x.WorkItemId);
        b.References<Question, WorkItem>(x => x.AskingItemId);
        b.References<Question, Dispatch.Run>(x => x.AskingRunId);
        b.References<Question, Submission>(x => x.SubmissionId);
        b.HasIndex(x => new { x.TenantId, x.WorkItemId }).IsUnique();
        b.HasIndex(x => new { x.TenantId, x.AskingItemId, x.Id });
        b.HasIndex(x => new { x.TenantId, x.Status, x.ToRef }).HasDatabaseName("ix_questions_open").HasFilter("status = 'open'");

        // The expiry sweep looks across tenants for open questions past their time.
        b.HasIndex(x => x.ExpiresAt).HasDatabaseName("ix_questions_expiring").HasFilter("status = 'open' AND expires_at IS NOT NULL");
    }
}
