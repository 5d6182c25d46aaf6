using System.Globalization;
using Bosun.Core.Common;
using Bosun.Core.Identity;
using Bosun.Core.Planning;
using Microsoft.EntityFrameworkCore;

namespace Bosun.Core.Dispatch;

/// A provider's limit that an agent ran into (requests per minute, or a subscription's quota) and when it resets.
/// Retrying into it only makes it last longer, so Bosun pauses the agent's claims until then instead.
public sealed record ProviderLimit(string Kind, DateTime Until)
{
    public const string Rate = "rate";
    public const string Quota = "quota";

    /// The longest pause a report may ask for; a quota resets monthly at the latest.
    public static readonly TimeSpan Longest = TimeSpan.FromDays(31);

    // When the provider did not say when its limit resets: a minute for a rate limit, an hour for a quota.
    private static readonly TimeSpan RateWait = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan QuotaWait = TimeSpan.FromHours(1);

    /// What the paused agents show as their pause_reason.
    public string Reason => Kind == Rate ? "rate_limit" : "quota";

    /// The limit a failure reports, or null when it reports none. A reset time already past is taken as is: by Bosun's
    /// clock the limit is over, so nothing pauses, and refusing the report would leave the item held until its lease expires.
    public static ProviderLimit? Read(ValidationProblem problem, FailRequest request, DateTime now)
    {
        if (request.Limit is null)
        {
            if (request.RetryAfter is not null || request.ResetAt is not null)
            {
                problem.Add("limit", "is required with retry_after or reset_at: rate or quota");
            }

            return null;
        }

        if (request.Limit is not (Rate or Quota))
        {
            problem.Add("limit", "must be rate or quota");
            return null;
        }

        if (request.Retryable == false)
        {
            problem.Add("retryable", "must be true or left out when a limit is reported: the work is tried again after the reset");
        }

        if (request.RetryAfter is { } seconds && (seconds < 0 || seconds > Longest.TotalSeconds))
        {
            problem.Add("retry_after", $"must be between 0 and {Longest.TotalSeconds:0} seconds (31 days)");
        }

        if (request.ResetAt is { } reset && request.RetryAfter is not null)
        {
            problem.Add("reset_at", "give retry_after or reset_at, not both");
        }
        else if (request.ResetAt is { } at && at.UtcDateTime > now + Longest)
        {
            problem.Add("reset_at", "must be within 31 days");
        }

        var until = request.ResetAt?.UtcDateTime
                    ?? now + (request.RetryAfter is { } wait ? TimeSpan.FromSeconds(Math.Max(0, wait)) : request.Limit == Rate ? RateWait : QuotaWait);

        // Whole seconds, so the pause ends when the Retry-After a paused claim is told says it does.
        var ticks = (until.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond;
        return new ProviderLimit(request.Limit, new DateTime(Math.Min(ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc));
    }

    public static string Describe(string? reason) => reason == "quota" ? "quota" : "rate limit";

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// The answer to a claim while the agent is paused: like an empty queue, but saying when to ask again, so an agent's
    /// long poll waits for the reset rather than spinning on refusals.
    public static ProblemException Paused(Agent agent, DateTime now)
    {
        var until = agent.ClaimsPausedUntil!.Value;
        var problem = new ProblemException(429, "Claims paused",
            $"Agent {agent.Name} reported a provider {Describe(agent.PauseReason)}; it claims no work until {Time(until)}.",
            "/problems/claims-paused");
        problem.Headers["Retry-After"] = Math.Max(1, (long)Math.Ceiling((until - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        problem.Extensions["claims_paused_until"] = until;
        problem.Extensions["pause_reason"] = agent.PauseReason;
        return problem;
    }
}

public sealed partial class RunService
{
    /// A provider's limit is no fault of the work: the item goes back to the queue without using an attempt, and the
    /// agent (for a quota, every agent of the tenant on the same adapter and model, who share the subscription) claims
    /// nothing until the reset. Each paused agent's row change is its audit entry and its agent.paused event.
    private async Task<string?> PauseForLimitAsync(Run run, WorkItem item, ProviderLimit limit, CancellationToken ct)
    {
        var agentId = run.AgentId ?? throw ProblemException.Invalid("limit", "is reported by agents; a person releases the item instead");
        run.Error = $"{ProviderLimit.Describe(limit.Reason)} until {ProviderLimit.Time(limit.Until)}: {run.Error}";
        ClearLease(item);
        item.Status = WorkStatus.Ready;
        item.Attempts = Math.Max(0, item.Attempts - 1);
        var agent = await db.Agents.FirstAsync(a => a.Id == agentId, ct);
        var sharing = limit.Kind == ProviderLimit.Quota
            ? await db.Agents.Where(a => a.Adapter == agent.Adapter && a.Model == agent.Model).ToListAsync(ct)
            : [agent];
        foreach (var paused in sharing.Where(a => limit.Until > Now && !(a.ClaimsPausedUntil >= limit.Until)))
        {
            paused.ClaimsPausedUntil = limit.Until;
            paused.PauseReason = limit.Reason;
        }

        signal.Pulse();
        return null;
    }
}
