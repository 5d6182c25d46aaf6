using Bosun.Core.Automation;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Dispatch;
using Bosun.Core.Governance;
using Bosun.Core.HumanInput;
using Bosun.Core.Identity;
using Bosun.Core.Integrations;
using Bosun.Core.Knowledge;
using Bosun.Core.Ledger;
using Bosun.Core.Planning;
using Microsoft.Extensions.DependencyInjection;
using Bosun.Server.Http;
using static Bosun.Server.Mcp.Schema;

namespace Bosun.Server.Mcp;

/// The tools an agent uses over MCP. Each one calls the service the matching REST endpoint calls.
internal static class McpTools
{
    private static readonly Arg RunId = Str("run_id", "The run_id that claim_work returned.", required: true);
    private static readonly Arg LeaseToken = Str("lease_token", "The lease_token that claim_work returned; proves you still hold the item.", required: true);
    private static readonly Arg PlanId = Str("plan", "The plan's id (create_plan returned it).", required: true);
    private static readonly Arg PlanSteps = Array("steps",
        "Steps, each {key, title, description?, type?, assignee? (agent:NAME, user:EMAIL, role:NAME), priority?, approval_required?, input?, "
        + "after? (keys of steps it waits for)}.");

    public static readonly IReadOnlyList<McpTool> All =
    [
        new("whoami", "Who am I",
            "Who the token belongs to: the agent (name, role, concurrency limit, run timeout) or person, and the tenant.",
            Of(), ReadOnly: true, WhoamiAsync),
        new("list_my_work", "List my work",
            "The runs you hold right now (with the item each is for) and the unfinished work items assigned to you.",
            Of(), ReadOnly: true, ListMyWorkAsync),
        new("claim_work", "Claim work",
            "Take the best ready work item you may do. Waits up to wait_seconds for one to become ready. Returns the item, its context "
            + "(parent, goal, dependencies, comments, revision notes, the last checkpoint) and the run with run_id and lease_token, "
            + "or claimed: false when nothing is ready, or when your claims are paused after a provider's limit (then with "
            + "claims_paused_until and retry_after_seconds: wait that long).",
            Of(Int("wait_seconds", "How long to wait for work, 0-60 seconds (default 0).", min: 0, max: ClaimService.MaxWaitSeconds),
                Str("project", "Only claim from this project (key such as WEB, or id).")),
            ReadOnly: false, ClaimAsync, Transactions.Claim),
        new("get_work_item", "Get a work item",
            "A work item by key (WEB-42) or id, with its recent comments.",
            Of(Str("work_item", "Key (WEB-42) or id.", required: true)), ReadOnly: true, GetWorkItemAsync),
        new("get_project_policy", "Get a project's policy",
            "The project's quality gate: the checks (required_checks) your completion must report as passed, the paths (allowed_paths) "
            + "you may change, and what happens otherwise (on_failure: block or approval). Read it before you work on the project's items.",
            Of(Str("project", "The project's key (WEB) or id; a work item's project_id works.", required: true)), ReadOnly: true, GetProjectPolicyAsync),
        new("heartbeat", "Heartbeat",
            "Keep your lease on the run alive and report progress; optionally save a checkpoint (any JSON) that a retry will receive. "
            + "If the answer has stop: true, stop working at once (reason: budget, cancelled or timeout).",
            Of(RunId, LeaseToken, Str("progress", "A short note on where you are.", maxLength: 4000),
                Any("checkpoint", "State to resume from if this run is retried.")),
            ReadOnly: false, HeartbeatAsync, Transactions.AgentLoop),
        new("complete_work", "Complete work",
            "Finish the run with its output. An item that needs approval waits for a person's decision; otherwise it is done. "
            + "Report the checks you ran in artifacts.checks and the files you changed in artifacts.changed_paths: when the project's "
            + "required checks are missing or did not pass, or a check failed, the item is blocked (or awaits a person) and failed_checks "
            + "names them.",
            Of(RunId, LeaseToken, Any("output", "The result (any JSON)."), Str("summary", "What you did, for people.", maxLength: 20_000),
                Object("artifacts", "{\"commits\": [...], \"pull_requests\": [...], \"checks\": [{\"name\": \"tests\", \"status\": "
                    + "\"passed|failed|pending|skipped\", \"url\": \"...\", \"summary\": \"...\"}], \"changed_paths\": [\"src/app.cs\"]}")),
            ReadOnly: false, CompleteAsync, Transactions.AgentLoop),
        new("fail_work", "Fail work",
            "Report that the run failed. A retryable failure puts the item back in the queue until its attempts run out; then a person is asked to look. "
            + "If your model provider refused you for a rate limit or a spent quota, say so with limit (and retry_after or reset_at when the provider "
            + "told you): the item goes back without using an attempt, and you (for a quota, every agent on your adapter and model) claim nothing "
            + "until the reset. Do not retry into the limit yourself.",
            Of(RunId, LeaseToken, Str("error", "What went wrong.", required: true, maxLength: 20_000),
                Bool("retryable", "May another attempt succeed? (default true)"),
                Str("limit", "rate or quota, when a provider's limit stopped the run.", oneOf: [ProviderLimit.Rate, ProviderLimit.Quota]),
                Int("retry_after", "Seconds until the limit resets, as the provider said (default 60 for rate, 3600 for quota).", min: 0,
                    max: (long)ProviderLimit.Longest.TotalSeconds),
                Str("reset_at", "When the limit resets, e.g. 2026-03-02T10:00:00Z (instead of retry_after).")),
            ReadOnly: false, FailAsync),
        new("release_work", "Release work",
            "Give the item back to the queue without counting a failure (e.g. it is not for you).",
            Of(RunId, LeaseToken, Str("reason", "Why.", maxLength: 4000)), ReadOnly: false, ReleaseAsync),
        new("add_comment", "Add a comment",
            "Comment on a work item; people and other agents see it in the item's context.",
            Of(Str("work_item", "Key (WEB-42) or id.", required: true), Str("body", "The comment.", required: true, maxLength: 50_000)),
            ReadOnly: false, AddCommentAsync),
        new("create_work_item", "Create a sub-item",
            "Split the item you hold: create a work item under it (in its project). Starts ready unless status says backlog.",
            Of(Str("parent", "The item you hold (key or id).", required: true), Str("title", "Title.", required: true, maxLength: 500),
                Str("description", "What to do.", maxLength: 100_000), Str("type", "task (default), ticket, review, question, ..."),
                Str("priority", "low, normal (default), high or urgent", oneOf: EnumNames<Priority>.All),
                Str("status", "ready (default) or backlog", oneOf: ["ready", "backlog"]),
                Str("assignee", "agent:NAME, user:EMAIL or role:NAME; default unassigned"),
                Strings("labels", "Labels."), Any("input", "Input for whoever does it (any JSON)."),
                Bool("approval_required", "Must a person approve its output?")),
            ReadOnly: false, CreateWorkItemAsync),
        new("move_work_item", "Reorder a sub-item",
            "Put a sub-item of the item you hold just before or just after one of its siblings (give before or after, not both); "
            + "lists of children, boards and story maps follow that order.",
            Of(Str("work_item", "The sub-item to move (key or id).", required: true), Str("before", "The sibling it should stand before (key or id)."),
                Str("after", "The sibling it should stand after (key or id).")),
            ReadOnly: false, MoveWorkItemAsync),
        new("ask_human", "Ask a person",
            "Ask a person or a role a question: a choice of options (one click for them), a form of fields, or free text. A blocking "
            + "question (the default) ends your run as waiting without using an attempt: stop working, the item is blocked until the "
            + "answer, then claimed again with the question, the answer and your checkpoint in its context (context.answers). A "
            + "non-blocking one lets you go on; read the answer later with get_question.",
            Of(RunId, LeaseToken, Str("question", "What you want to know.", required: true, maxLength: 2000),
                Str("details", "Background the person needs.", maxLength: 20_000),
                Array("options", "Choices, each text or {\"value\", \"label\"}."),
                Object("form", "Instead of options: {\"fields\": [{\"key\", \"type\": text|long_text|number|date|boolean|single_select|multi_select|link, "
                    + "\"label\", \"help\", \"required\", \"default\", \"options\", \"min\", \"max\", \"pattern\", \"max_length\"}]}."),
                Str("to", "user:EMAIL or role:owner|admin|member|reviewer; default the project lead."),
                Bool("blocking", "Wait for the answer (default true)."),
                Str("kind", "decide, provide, review or connect (default decide with options, else provide).", oneOf: EnumNames<QuestionKind>.All),
                Int("expires_in_seconds", "Give up waiting after this long (60 s to 30 days).", min: 60, max: (long)HumanInputService.LongestExpiry.TotalSeconds),
                Str("on_expiry", "default (answer with default_answer) or escalate (to the project lead).", oneOf: [HumanInputService.ExpireWithDefault, HumanInputService.ExpireToLead]),
                Any("default_answer", "The answer taken at expiry: an option's value, or an object of the form's values."),
                Any("checkpoint", "State to resume from when you are claimed again.")),
            ReadOnly: false, AskHumanAsync),
        new("get_secret", "Get a secret",
            "The value of a secret bound to you (or your role) for this run: an API key, token or password a person stored in Bosun's "
            + "vault. Only while you hold the run; every read is recorded. Keep it out of your output, logs and comments.",
            Of(RunId, Str("name", "The secret's name, e.g. GITHUB_TOKEN.", required: true, maxLength: SecretService.NameLength)),
            ReadOnly: false, GetSecretAsync, Transactions.SecretRead),
        new("get_connection_token", "Get a connection's token",
            "The current access token of a connected account (GitHub, Google, ...) bound to you or your role, for this run: Bosun refreshes it "
            + "before it expires. Only while you hold the run; every read is recorded. Keep it out of your output, logs and comments.",
            Of(RunId, Str("name", "The connection's name, e.g. github-acme.", required: true, maxLength: 80)),
            ReadOnly: false, GetConnectionTokenAsync, Transactions.SecretRead),
        new("list_notifications", "List my notifications",
            "For a person's token: your notifications, newest first (work assigned to you, approvals waiting, mentions, ...), with your unread count.",
            Of(Bool("unread", "Only those not read yet.")), ReadOnly: true, ListNotificationsAsync),
        new("get_question", "Get a question",
            "A question you asked (by its id or its item's key) with its status and, once given, the answer.",
            Of(Str("question", "The question's id or its item's key.", required: true)), ReadOnly: true, GetQuestionAsync),
        new("request_approval", "Request approval",
            "Ask a person to look at something (a plan, a risky step, a spend); it does not change the item.",
            Of(Str("subject", "What to decide.", required: true, maxLength: 500), Str("work_item", "The item it is about (key or id)."),
                Str("summary", "Details.", maxLength: 20_000), Any("output", "What to look at (any JSON).")),
            ReadOnly: false, RequestApprovalAsync),
        new("create_plan", "Create a plan",
            "Write a plan (a brief, strategy, execution plan or spec) for a project, optionally for a goal or the work item it plans. "
            + "Its first version is a draft; give steps (they become work items once a person approves) or source_items (backlog items the "
            + "approval makes ready), not both. Then submit_plan.",
            Of(Str("project", "The project (key such as WEB, or id).", required: true),
                Str("kind", "brief, strategy, execution_plan, spec, or a word of your own.", required: true, maxLength: 50),
                Str("title", "Title.", required: true, maxLength: 500), Str("goal", "The goal it serves (id)."),
                Str("work_item", "The item it plans (key or id): its steps become children of that item."),
                Str("body", "The plan as Markdown.", maxLength: PlanService.MaxBody), PlanSteps,
                Strings("source_items", "Backlog items (keys or ids) of the project that an approval releases to ready.")),
            ReadOnly: false, CreatePlanAsync),
        new("add_plan_version", "Add a plan version",
            "Write the plan's next version, a draft: after a rejection it is the next attempt (read the decision_note of the rejected "
            + "version first). Arguments left out are copied from the newest version; steps and source_items replace each other.",
            Of(PlanId, Str("body", "The plan as Markdown.", maxLength: PlanService.MaxBody), PlanSteps,
                Strings("source_items", "Backlog items (keys or ids) of the project that an approval releases to ready.")),
            ReadOnly: false, AddPlanVersionAsync),
        new("submit_plan", "Submit a plan",
            "Ask a person to approve the plan's newest version (a draft). Approved, its steps become work items at once; rejected, "
            + "the decision_note says what to change in the next version.",
            Of(PlanId, Int("version", "The version to submit (default: the newest).", min: 1)), ReadOnly: false, SubmitPlanAsync),
        new("get_plan", "Get a plan",
            "A plan with its versions (newest first, each with its status, attempt and decision_note) and the work items it made.",
            Of(PlanId, Int("version", "Only this version.", min: 1)), ReadOnly: true, GetPlanAsync),
        new("record_llm_usage", "Record LLM usage",
            "Record one LLM call of the run: tokens as the provider reported them, priced by Bosun (or cost_usd if you know it). "
            + "Answers stop: true when a budget is spent (its money or its token cap); then stop working.",
            Of(RunId, Str("provider", "anthropic, openai, google, ...", required: true), Str("model", "The model name the provider reported.", required: true),
                Int("input_tokens", "Input tokens.", required: true, min: 0), Int("output_tokens", "Output tokens.", required: true, min: 0),
                Int("cache_read_tokens", "Cache-read tokens.", min: 0), Int("cache_write_tokens", "Cache-write tokens.", min: 0),
                Int("reasoning_tokens", "Reasoning tokens.", min: 0), Number("cost_usd", "The cost, when you know it."),
                Str("billing_type", "api (default) or subscription", oneOf: EnumNames<BillingType>.All),
                Int("duration_ms", "How long the call took.", min: 0), Str("external_id", "The provider's id for the call; a retry with it is recorded once.")),
            ReadOnly: false, RecordLlmUsageAsync),
        new("record_tool_call", "Record a tool call",
            "Record one tool the run used (shell command, file edit, search, ...) with short summaries.",
            Of(RunId, Str("tool_name", "The tool.", required: true, maxLength: 200), Str("method", "The operation.", maxLength: 200),
                Str("input_summary", "What went in (capped at 2,000 characters)."), Str("output_summary", "What came out (capped at 2,000 characters)."),
                Str("status", "ok (default), error or cancelled", oneOf: EnumNames<ToolCallStatus>.All), Str("error", "The error, if any."),
                Int("duration_ms", "How long it took.", min: 0)),
            ReadOnly: false, RecordToolCallAsync),
        new("rate_session", "Rate a session",
            "Say how an agent session went: its outcome and an optional quality score 0-100. The session is the id Bosun gave it "
            + "(GET /sessions lists them).",
            Of(Str("session", "The session's id.", required: true),
                Str("outcome", "success, failure, partial or cancelled", oneOf: EnumNames<SessionOutcome>.All),
                Int("quality_score", "How good the result was, 0-100.", min: 0, max: 100)),
            ReadOnly: false, RateSessionAsync),
        new("link_session", "Link your session to a run",
            "Say which of your own agent sessions (the id your agent gives it: Claude Code's session_id, Codex's conversation or thread id) "
            + "works for a run you hold, so its transcript and telemetry count as that run's.",
            Of(Str("run_id", "The run.", required: true), Str("source", "claude_code, codex or generic", required: true, oneOf: EnumNames<SessionSource>.All),
                Str("session_id", "The session's id as your agent names it.", required: true, maxLength: 200)),
            ReadOnly: false, LinkSessionAsync),
        new("search_context", "Search project context",
            "Full-text search of what your projects already know: work item titles, descriptions and outputs, comments, artifacts, documents' text, "
            + "imported session messages and the memory you may read, best match first, with the matched words' offsets in each snippet. Every word must match; "
            + "\"quoted words\" match as a phrase, OR between two words matches either, -word leaves out what has it.",
            Of(Str("query", "Words to look for.", required: true, maxLength: SearchService.MaxQueryLength), Str("project", "Only this project (key or id)."),
                Str("kind", "Only these kinds, comma-separated: work_item, comment, artifact, document, message, memory."),
                Int("limit", "At most this many results, 1-50 (default 10).", min: 1, max: SearchService.MaxResults)),
            ReadOnly: true, SearchContextAsync),
        new("assemble_context", "Assemble context",
            "The context of a work item under a token budget: the item, its parent and goal, dependency outputs, knowledge items, "
            + "linked artifacts and what they depend on, highest priority first, each with its token count, and what was left out "
            + "because it did not fit. Uses your context profile unless you give profile or max_tokens.",
            Of(Str("work_item", "The item's key or id.", required: true), Str("profile", "A context profile (name or id)."),
                Int("max_tokens", "The budget in tokens instead of a profile's.", min: 1, max: ContextService.MaxBudget),
                Str("encoding", "How tokens are counted.", oneOf: [.. TokenCounter.Encodings])),
            ReadOnly: false, AssembleContextAsync),
        new("remember", "Remember",
            "Keep something for later runs: a fact, preference, decision or lesson. It is your own memory unless you give a scope: tenant "
            + "(everyone), project (scope_id: a project you serve), agent, or work_item (scope_id: an item you hold). Bosun records the run "
            + "and item you were working on. recall finds it again.",
            Of(Str("content", "What to remember, at most 8000 characters.", required: true, maxLength: MemoryService.MaxContent),
                Str("kind", "fact, preference, decision or lesson", required: true, oneOf: EnumNames<MemoryKind>.All),
                Str("scope", "tenant, project, agent (default: you) or work_item", oneOf: EnumNames<MemoryScope>.All),
                Str("scope_id", "The project (key or id), agent or work item (key or id) the memory belongs to."),
                Str("expires_at", "When to forget it (ISO 8601, UTC); never, if left out.")),
            ReadOnly: false, RememberAsync),
        new("recall", "Recall",
            "Full-text search of the memory you may read (the tenant's, your own, your projects' and your held items'), best match first, "
            + "expired units left out. Every word must match; \"quoted words\" match as a phrase, OR between two words matches either.",
            Of(Str("query", "Words to look for.", required: true, maxLength: SearchService.MaxQueryLength),
                Str("scope", "Only this scope: tenant, project, agent or work_item", oneOf: EnumNames<MemoryScope>.All),
                Str("scope_id", "Only the memory of this project, agent or work item."),
                Int("limit", "At most this many units, 1-50 (default 10).", min: 1, max: MemoryService.MaxRecall)),
            ReadOnly: false, RecallAsync),
        new("get_skills", "Get my skills",
            "The skills (Markdown instructions) attached to you and to your role, each with its content and version. Follow them.",
            Of(), ReadOnly: true, GetSkillsAsync),
        new("list_documents", "List documents",
            "The files uploaded to a work item, newest first: name, type, size, revision (and how many revisions the name has) and "
            + "whether its text can be read with read_document.",
            Of(Str("work_item", "Key (WEB-42) or id.", required: true), Bool("all_revisions", "Every revision instead of the newest of each name.")),
            ReadOnly: true, ListDocumentsAsync),
        new("read_document", "Read a document",
            "The text of a text document (plain text, Markdown, JSON, source code) on a work item, with its metadata; "
            + "text is null for other files (images, PDFs, archives).",
            Of(Str("work_item", "Key (WEB-42) or id.", required: true), Str("document", "The document's id (list_documents gave it).", required: true)),
            ReadOnly: true, ReadDocumentAsync),
        new("list_deliverables", "List deliverables",
            "The tenant's deliverables (\"10 blog posts a month\" towards a goal) with their current period: target, completed, percent and status.",
            Of(Str("goal", "Only deliverables of this goal (id)."), Str("project", "Only deliverables of this project (key or id)."),
                Bool("active", "Only active (true) or inactive (false) ones.")),
            ReadOnly: true, ListDeliverablesAsync),
        new("deliverable_progress", "Deliverable progress",
            "How each deliverable stands in the period holding a month: target, completed, percent and status "
            + "(not_started, in_progress, at_risk, completed, missed).",
            Of(Str("period", "A month such as 2026-04 (default this month); a quarterly deliverable answers for the quarter holding it."),
                Str("goal", "Only deliverables of this goal (id).")),
            ReadOnly: true, DeliverableProgressAsync),
        new("list_schedules", "List schedules",
            "The tenant's schedules (cron in a time zone, interval or manual) with what each makes, its next five fire times and its last firing's status and error.",
            Of(Bool("active", "Only active (true) or paused (false) ones.")),
            ReadOnly: true, ListSchedulesAsync),
        new("run_schedule", "Fire a schedule",
            "Fire a schedule now, active or paused: it makes its item or template instance at once. Answers the firing with its items.",
            Of(Str("schedule", "The schedule's id (one list_schedules gave).", required: true),
                Object("variables", "Values for the template's variables or the item's {{name}} placeholders, e.g. {\"topic\": \"Pricing\"}.")),
            ReadOnly: false, RunScheduleAsync),
        new("list_templates", "List templates",
            "Pipeline templates you may instantiate: Bosun's global ones and your tenant's, each with its variables (key, type, required, "
            + "default) and steps (key, title, assignee, approval gate, after).",
            Of(Str("kind", "Only templates of this kind, e.g. blog_post."), Str("cursor", "The next_cursor of the previous page.")),
            ReadOnly: true, ListTemplatesAsync),
        new("instantiate_template", "Instantiate a template",
            "Create a pipeline from a template: a parent item under the item you hold, with one sub-item per step, each waiting for the steps "
            + "its after names. Give every required variable.",
            Of(Str("template", "The template's id (global:content_pipeline, or one list_templates gave).", required: true),
                Str("project", "The project (key such as WEB, or id); the one of the item you hold.", required: true),
                Str("parent", "The item you hold (key or id): the pipeline's parent item goes under it. Agents must give it."),
                Object("variables", "The variables' values by key, e.g. {\"topic\": \"Pricing\", \"keywords\": [\"saas\"]}."),
                Str("title", "The parent item's title (placeholders allowed); default the template's name.", maxLength: 500),
                Str("goal", "A goal id the items work toward.")),
            ReadOnly: false, InstantiateTemplateAsync),
        new("list_rules", "List rules",
            "Your tenant's rules: each with its event, filters (when), actions and whether it is enabled. A rule runs its actions once "
            + "for each event that matches.",
            Of(Bool("enabled", "Only enabled (true) or disabled (false) rules."), Str("cursor", "The next_cursor of the previous page.")),
            ReadOnly: true, ListRulesAsync),
        new("list_rule_actions", "List a rule's actions",
            "What a rule did, newest first: each action with the event it ran for, its status (pending, done, failed, skipped), "
            + "attempts, error and result (what it made).",
            Of(Str("rule", "The rule's id (list_rules gave it).", required: true),
                Str("status", "Only actions in this status.", oneOf: ["pending", "done", "failed", "skipped"]),
                Str("cursor", "The next_cursor of the previous page.")),
            ReadOnly: true, ListRuleActionsAsync),
        .. ArtifactTools.All,
    ];

    private static async Task<object> WhoamiAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        args.ThrowIfAny();
        var context = services.GetRequiredService<RequestContext>();
        var tenant = await services.GetRequiredService<TenantService>().GetAsync(ct);
        object? who = context.Actor.Type switch
        {
            ActorType.Agent => await services.GetRequiredService<AgentService>().GetAsync(context.Actor.Id!, ct),
            ActorType.Person => await services.GetRequiredService<PeopleService>().GetAsync(context.Actor.Id!, ct),
            _ => null,
        };
        return new Dictionary<string, object?>
        {
            ["actor"] = context.Actor.Ref,
            ["name"] = context.Actor.Name,
            ["kind"] = context.Actor.Type == ActorType.Agent ? "agent" : "person",
            ["tenant"] = new { tenant.Id, tenant.Name, tenant.Slug },
            [context.Actor.Type == ActorType.Agent ? "agent" : "person"] = who,
        };
    }

    private static async Task<object> ListMyWorkAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        args.ThrowIfAny();
        return await services.GetRequiredService<HeldWorkService>().MineAsync(ct);
    }

    private static async Task<object> ClaimAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var wait = args.Int("wait_seconds");
        var project = args.Str("project");
        args.ThrowIfAny();
        ClaimResponse claimed;
        try
        {
            claimed = await services.GetRequiredService<ClaimService>().ClaimAsync(new ClaimRequest(1, wait, project), ct);
        }
        catch (ProblemException paused) when (paused.Type == "/problems/claims-paused")
        {
            // Not an error of the call: nothing is claimed until the reset, and the answer says when to ask again.
            return new Dictionary<string, object?>
            {
                ["claimed"] = false,
                ["claims_paused_until"] = paused.Extensions["claims_paused_until"],
                ["pause_reason"] = paused.Extensions["pause_reason"],
                ["retry_after_seconds"] = int.Parse(paused.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture),
                ["message"] = $"{paused.Detail} Do not claim again before then.",
            };
        }

        return claimed.Items.Count == 0
            ? new Dictionary<string, object?> { ["claimed"] = false, ["message"] = "No work is ready for you right now; try again later." }
            : new Dictionary<string, object?>
            {
                ["claimed"] = true,
                ["run_id"] = claimed.Items[0].Run.RunId,
                ["lease_token"] = claimed.Items[0].Run.LeaseToken,
                ["lease_expires_at"] = claimed.Items[0].Run.LeaseExpiresAt,
                ["attempt"] = claimed.Items[0].Run.Attempt,
                ["item"] = claimed.Items[0].Item,
                ["context"] = claimed.Items[0].Context,
            };
    }

    private static async Task<object> GetWorkItemAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var reference = args.Str("work_item", required: true);
        args.ThrowIfAny();
        var workItems = services.GetRequiredService<WorkItemService>();
        var item = await workItems.GetAsync(reference!, ct);
        var comments = await workItems.ListCommentsAsync(item.Id, new PageRequest(100, null), ct);
        return new { Item = item, Comments = comments.Items };
    }

    private static async Task<object> GetProjectPolicyAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var project = args.Str("project", required: true);
        args.ThrowIfAny();
        return await services.GetRequiredService<ProjectPolicyService>().GetAsync(project!, ct);
    }

    private static async Task<object> HeartbeatAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (run, lease) = (args.Str("run_id", required: true), args.Str("lease_token", required: true));
        var request = new HeartbeatRequest(lease, args.Str("progress"), args.Json("checkpoint"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RunService>().HeartbeatAsync(run!, request, ct);
    }

    private static async Task<object> CompleteAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var request = new CompleteRequest(args.Str("lease_token", required: true), args.Json("output"), args.Str("summary"), args.Json("artifacts"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RunService>().CompleteAsync(run!, request, ct);
    }

    private static async Task<object> FailAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var request = new FailRequest(args.Str("lease_token", required: true), args.Str("error", required: true), args.Bool("retryable"),
            args.Int("retry_after"), args.Time("reset_at"), args.Str("limit"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RunService>().FailAsync(run!, request, ct);
    }

    private static async Task<object> ReleaseAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var request = new ReleaseRequest(args.Str("lease_token", required: true), args.Str("reason"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RunService>().ReleaseAsync(run!, request, ct);
    }

    private static async Task<object> AddCommentAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (item, body) = (args.Str("work_item", required: true), args.Str("body", required: true));
        args.ThrowIfAny();
        return await services.GetRequiredService<WorkItemService>().AddCommentAsync(item!, body, ct);
    }

    private static async Task<object> CreateWorkItemAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var parentRef = args.Str("parent", required: true);
        var status = args.Str("status") switch
        {
            null or "ready" => WorkStatus.Ready,
            "backlog" => WorkStatus.Backlog,
            _ => (WorkStatus?)null,
        };
        if (status is null)
        {
            args.Problem.Add("status", "must be ready or backlog");
        }

        var title = args.Str("title", required: true);
        var description = args.Str("description");
        var type = args.Str("type");
        var priority = args.Enum<Priority>("priority");
        var assignee = args.Str("assignee");
        var labels = args.Strings("labels");
        var input = args.Json("input");
        var approval = args.Bool("approval_required");
        args.ThrowIfAny();

        return await services.GetRequiredService<WorkItemService>().CreateSubItemAsync(parentRef!, "parent", new CreateWorkItem(
            null, type, title, description, status, priority, assignee, null, null, null, labels, approval, input, null), ct);
    }

    private static async Task<object> MoveWorkItemAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (item, before, after) = (args.Str("work_item", required: true), args.Str("before"), args.Str("after"));
        args.ThrowIfAny();
        return await services.GetRequiredService<WorkItemService>().MoveAmongSiblingsAsync(item!, new MoveWorkItem(before, after), ct);
    }

    private static async Task<object> AskHumanAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var options = args.Json("options") is { ValueKind: System.Text.Json.JsonValueKind.Array } list ? list.EnumerateArray().ToList() : null;
        var request = new AskRequest(args.Str("lease_token", required: true), args.Str("question", required: true), args.Str("details"), options,
            args.Json("form"), args.Str("to"), args.Bool("blocking"), args.Str("kind"), args.Int("expires_in_seconds"), args.Str("on_expiry"),
            args.Json("default_answer"), args.Json("checkpoint"));
        args.ThrowIfAny();
        return await services.GetRequiredService<HumanInputService>().AskAsync(run!, request, ct);
    }

    private static async Task<object> GetSecretAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var name = args.Str("name", required: true);
        args.ThrowIfAny();
        return await services.GetRequiredService<SecretService>().ReadForRunAsync(run!, name!, SecretService.ViaMcp, ct);
    }

    private static async Task<object> GetConnectionTokenAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var name = args.Str("name", required: true);
        args.ThrowIfAny();
        return await services.GetRequiredService<ConnectionService>().ReadTokenForRunAsync(run!, name!, SecretService.ViaMcp, ct);
    }

    private static async Task<object> ListNotificationsAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var unread = args.Bool("unread") ?? false;
        args.ThrowIfAny();
        return await services.GetRequiredService<Core.Notifications.NotificationService>().ListAsync(unread, new PageRequest(PageRequest.DefaultLimit, null), ct);
    }

    private static async Task<object> GetQuestionAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var question = args.Str("question", required: true);
        args.ThrowIfAny();
        return await services.GetRequiredService<HumanInputService>().GetQuestionAsync(question!, ct);
    }

    private static async Task<object> RequestApprovalAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var request = new RequestApproval(args.Str("work_item"), args.Str("subject", required: true), args.Str("summary"), args.Json("output"));
        args.ThrowIfAny();
        return await services.GetRequiredService<ApprovalService>().RequestAsync(request, ct);
    }

    private static async Task<object> CreatePlanAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var request = new PlanRequest(args.Str("project", required: true), args.Str("kind", required: true), args.Str("title", required: true),
            args.Str("goal"), args.Str("work_item"), args.Str("body"), args.Read<List<TemplateStep>>("steps"), args.Strings("source_items"));
        args.ThrowIfAny();
        return await services.GetRequiredService<PlanService>().CreateAsync(request, ct);
    }

    private static async Task<object> AddPlanVersionAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var plan = args.Str("plan", required: true);
        var request = new PlanVersionRequest(args.Str("body"), args.Read<List<TemplateStep>>("steps"), args.Strings("source_items"));
        args.ThrowIfAny();
        return await services.GetRequiredService<PlanService>().AddVersionAsync(plan!, request, ct);
    }

    private static async Task<object> SubmitPlanAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (plan, version) = (args.Str("plan", required: true), args.Int("version"));
        args.ThrowIfAny();
        return await services.GetRequiredService<PlanService>().SubmitAsync(plan!, new SubmitPlan(version), ct);
    }

    private static async Task<object> GetPlanAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (plan, version) = (args.Str("plan", required: true), args.Int("version"));
        args.ThrowIfAny();
        var plans = services.GetRequiredService<PlanService>();
        return version is { } n ? await plans.GetVersionAsync(plan!, n, ct) : await plans.GetAsync(plan!, ct);
    }

    private static async Task<object> RecordLlmUsageAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var call = new LlmCallRequest(
            args.Str("provider", required: true), args.Str("model", required: true), args.Long("input_tokens", required: true),
            args.Long("output_tokens", required: true), args.Long("cache_read_tokens"), args.Long("cache_write_tokens"), args.Long("reasoning_tokens"),
            null, null, args.Long("duration_ms"), null, null, null, null, args.Enum<BillingType>("billing_type"), args.Decimal("cost_usd"),
            null, args.Str("external_id"));
        args.ThrowIfAny();
        var recorded = await services.GetRequiredService<LedgerService>().RecordLlmCallsAsync(run!, [call], batch: false, ct);
        return new { recorded.Recorded, recorded.Duplicates, recorded.CostUsd, recorded.ListCostUsd, recorded.UnpricedCalls, recorded.Stop, recorded.Reason };
    }

    private static async Task<object> RecordToolCallAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var run = args.Str("run_id", required: true);
        var call = new ToolCallRequest(
            args.Str("tool_name", required: true), args.Str("method"), args.Str("input_summary"), args.Str("output_summary"),
            args.Enum<ToolCallStatus>("status"), args.Str("error"), args.Long("duration_ms"), null, null);
        args.ThrowIfAny();
        var recorded = await services.GetRequiredService<LedgerService>().RecordToolCallsAsync(run!, [call], batch: false, ct);
        return new { recorded.Recorded, recorded.Duplicates, recorded.Stop, recorded.Reason };
    }

    private static async Task<object> RateSessionAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (session, rating) = (args.Str("session", required: true), new SessionRating(args.Enum<SessionOutcome>("outcome"), args.Int("quality_score")));
        args.ThrowIfAny();
        return await services.GetRequiredService<SessionService>().RateAsync(session!, rating, ct);
    }

    private static async Task<object> LinkSessionAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (run, request) = (args.Str("run_id", required: true), new SessionLinkRequest(args.Enum<SessionSource>("source"), args.Str("session_id", required: true)));
        args.ThrowIfAny();
        return await services.GetRequiredService<SessionService>().LinkRunAsync(run!, request, ct);
    }

    private static async Task<object> ListDeliverablesAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var filter = new DeliverableFilter(args.Str("goal"), args.Str("project"), args.Bool("active"), null);
        args.ThrowIfAny();
        var page = await services.GetRequiredService<DeliverableService>().ListAsync(filter, new PageRequest(PageRequest.MaxLimit, null), ct);
        return new { page.Items, Truncated = page.NextCursor is not null };
    }

    private static async Task<object> ListSchedulesAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var active = args.Bool("active");
        args.ThrowIfAny();
        var page = await services.GetRequiredService<Bosun.Core.Automation.ScheduleService>().ListAsync(active, new PageRequest(PageRequest.MaxLimit, null), ct);
        return new { page.Items, Truncated = page.NextCursor is not null };
    }

    private static async Task<object> RunScheduleAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (schedule, variables) = (args.Str("schedule", required: true), args.Json("variables"));
        args.ThrowIfAny();
        var context = services.GetRequiredService<RequestContext>();
        return await services.GetRequiredService<Bosun.Core.Automation.ScheduleService>().RunNowAsync(schedule!, variables, context.Actor.Ref, ct);
    }

    private static async Task<object> DeliverableProgressAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (period, goal) = (args.Str("period"), args.Str("goal"));
        args.ThrowIfAny();
        return await services.GetRequiredService<DeliverableService>().ProgressAsync(period, goal, ct);
    }

    private static async Task<object> ListTemplatesAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (kind, cursor) = (args.Str("kind"), args.Str("cursor"));
        args.ThrowIfAny();
        return await services.GetRequiredService<TemplateService>().ListAsync(kind, archived: false, 100, cursor, ct);
    }

    private static async Task<object> InstantiateTemplateAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var template = args.Str("template", required: true);
        var request = new InstantiateTemplate(args.Str("project", required: true), args.Json("variables"), args.Str("parent"),
            args.Str("goal"), null, args.Str("title"));
        args.ThrowIfAny();
        return await services.GetRequiredService<TemplateService>().InstantiateAsync(template!, request, ct);
    }

    private static async Task<object> ListRulesAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (enabled, cursor) = (args.Bool("enabled"), args.Str("cursor"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RuleService>().ListAsync(enabled, new PageRequest(100, cursor), ct);
    }

    private static async Task<object> ListRuleActionsAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (rule, status, cursor) = (args.Str("rule", required: true), args.Str("status"), args.Str("cursor"));
        args.ThrowIfAny();
        return await services.GetRequiredService<RuleService>().ActionsAsync(rule, Check.OneOf<RuleActionStatus>("status", status), new PageRequest(100, cursor), ct);
    }

    private static async Task<object> AssembleContextAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (item, profile, max, encoding) = (args.Str("work_item", required: true), args.Str("profile"), args.Int("max_tokens"), args.Str("encoding"));
        args.ThrowIfAny();
        return await services.GetRequiredService<ContextService>().AssembleAsync(new AssembleRequest(item, profile, max, encoding), ct);
    }

    private static async Task<object> SearchContextAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (query, project, kind, limit) = (args.Str("query", required: true), args.Str("project"), args.Str("kind"), args.Int("limit"));
        args.ThrowIfAny();
        return await services.GetRequiredService<SearchService>().SearchAsync(query, kind, project, limit, ct, queryField: "query");
    }

    private static async Task<object> RememberAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var request = new RememberRequest(args.Str("content", required: true), args.Str("kind", required: true), args.Str("scope"), args.Str("scope_id"),
            args.Time("expires_at"));
        args.ThrowIfAny();
        return await services.GetRequiredService<MemoryService>().RememberAsync(request, ct);
    }

    private static async Task<object> RecallAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var request = new RecallRequest(args.Str("query", required: true), args.Str("scope"), args.Str("scope_id"), args.Int("limit"));
        args.ThrowIfAny();
        return await services.GetRequiredService<MemoryService>().RecallAsync(request, ct);
    }

    private static async Task<object> GetSkillsAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        args.ThrowIfAny();
        var context = services.GetRequiredService<RequestContext>();
        if (context.Actor.Type != ActorType.Agent)
        {
            throw ProblemException.Forbidden("get_skills answers for agents: a person reads skills with GET /api/v1/skills.");
        }

        return new { Skills = await services.GetRequiredService<SkillService>().ForAgentAsync(context.Actor.Id!, ct) };
    }

    private static async Task<object> ListDocumentsAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (item, all) = (args.Str("work_item", required: true), args.Bool("all_revisions"));
        args.ThrowIfAny();
        return await services.GetRequiredService<DocumentService>().ListAsync(item!, all ?? false, ct);
    }

    private static async Task<object> ReadDocumentAsync(McpArgs args, IServiceProvider services, CancellationToken ct)
    {
        var (item, document) = (args.Str("work_item", required: true), args.Str("document", required: true));
        args.ThrowIfAny();
        return await services.GetRequiredService<DocumentService>().ReadTextAsync(item!, document!, ct);
    }
}
