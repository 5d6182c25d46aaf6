using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Governance;
using Bosun.Core.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Core.Automation;

/// What an accepted inbound call started: the rule's actions, queued, or what the schedule answered.
public sealed record InboundFired(string TriggerId, string TargetType, string TargetId, int Actions, object? Result);

/// Inbound webhook URLs. A caller signs its POST as Bosun signs its own webhooks: hex HMAC-SHA256 with the trigger's secret
/// over "{timestamp}.{body}", sent as Bosun-Signature "v1=..." with the Unix time in Bosun-Timestamp. A call without a valid
/// signature, outside the time window, or already seen is refused with 401 and changes nothing.
public sealed class InboundTriggerService(BosunDb db, RequestContext context, TimeProvider clock, SecretBox secrets, IServiceProvider services)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    public const int MaxBody = 64 * 1024;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public static string UrlOf(string tenantId, string triggerId) => $"/api/v1/hooks/{tenantId}/{triggerId}";

    public static InboundView View(InboundTrigger t) => new(t.Id, UrlOf(t.TenantId, t.Id), t.SecretPrefix, t.LastCalledAt, t.CreatedAt);

    internal static string Purpose(string tenantId, string triggerId) => $"inbound:{tenantId}:{triggerId}";

    /// The caller checks who may change the target. A target that already has a trigger keeps its URL and gets a new secret.
    public async Task<InboundWithSecret> CreateOrRotateAsync(InboundTargetType type, string targetId, CancellationToken ct)
    {
        var secret = "ihsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var trigger = await db.Set<InboundTrigger>().FirstOrDefaultAsync(t => t.TargetType == type && t.TargetId == targetId, ct);
        var created = trigger is null;
        trigger ??= db.Set<InboundTrigger>().Add(new InboundTrigger
        {
            TargetType = type, TargetId = targetId, SecretSealed = "", SecretPrefix = "", CreatedBy = context.Actor.Ref,
        }).Entity;
        trigger.SecretSealed = secrets.Seal(secret, Purpose(context.RequireTenant(), trigger.Id));
        trigger.SecretPrefix = secret[..12];
        AuditLog.Record(db, created ? "inbound_trigger.created" : "inbound_trigger.secret_rotated", "inbound_trigger", trigger.Id, new
        {
            target_type = new { after = type.Snake() },
            target_id = new { after = targetId },
            secret_prefix = new { after = trigger.SecretPrefix },
        }, Now);
        await db.SaveChangesAsync(ct);
        var view = View(trigger);
        return new InboundWithSecret(view.Id, view.Url, view.SecretPrefix, view.LastCalledAt, view.CreatedAt, secret);
    }

    /// Removes the target's trigger, if it has one, in the caller's unit of work.
    public async Task<bool> RemoveAsync(InboundTargetType type, string targetId, CancellationToken ct)
    {
        var trigger = await db.Set<InboundTrigger>().FirstOrDefaultAsync(t => t.TargetType == type && t.TargetId == targetId, ct);
        if (trigger is null)
        {
            return false;
        }

        await db.Set<InboundCall>().Where(c => c.TriggerId == trigger.Id).ExecuteDeleteAsync(ct);
        db.Set<InboundTrigger>().Remove(trigger);
        AuditLog.Record(db, "inbound_trigger.deleted", "inbound_trigger", trigger.Id, new { target_id = new { before = targetId } }, Now);
        return true;
    }

    /// An inbound POST. The tenant comes from the URL; nothing is read or written for a call that does not verify.
    public async Task<InboundFired> ReceiveAsync(string tenantId, string triggerId, string? timestamp, string? signature, byte[] body, CancellationToken ct)
    {
        if (!Ids.IsValid(tenantId) || !Ids.IsValid(triggerId) || string.IsNullOrEmpty(signature) || signature.Length > 80
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            throw Unauthorized("Sign the call: Bosun-Timestamp (Unix seconds) and Bosun-Signature (v1=hex HMAC-SHA256 over \"{timestamp}.{body}\").");
        }

        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799)).UtcDateTime;
        if ((Now - sentAt).Duration() > Window)
        {
            throw Unauthorized($"The timestamp is more than {Window.TotalMinutes:0} minutes from Bosun's clock.");
        }

        context.EnterTenant(tenantId, new Actor(ActorType.System, null, "inbound trigger"));
        return await db.InTransactionAsync(async c =>
        {
            var trigger = await db.Set<InboundTrigger>().FirstOrDefaultAsync(t => t.Id == triggerId, c);
            if (trigger is null || !Verifies(trigger, seconds, body, signature))
            {
                throw Unauthorized("The signature does not match this trigger's secret.");
            }

            if (await db.Set<InboundCall>().AnyAsync(x => x.TriggerId == trigger.Id && x.Signature == signature, c))
            {
                throw Unauthorized("This call was received already; a replay does nothing.");
            }

            JsonElement? json = null;
            if (body.Length > 0)
            {
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    json = doc.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw ProblemException.Invalid("body", "must be JSON");
                }
            }

            var call = new InboundCall { TriggerId = trigger.Id, Signature = signature, ReceivedAt = Now };
            db.Set<InboundCall>().Add(call);
            trigger.LastCalledAt = Now;
            AuditLog.Record(db, "inbound_trigger.called", "inbound_trigger", trigger.Id, new { call_id = new { after = call.Id } }, Now);
            var fired = trigger.TargetType switch
            {
                InboundTargetType.Rule => await FireRuleAsync(trigger, call, json, c),
                _ => await FireScheduleAsync(trigger, json, c),
            };
            try
            {
                await db.SaveChangesAsync(c);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                throw Unauthorized("This call was received already; a replay does nothing.");
            }

            return fired;
        }, write: true, ct);
    }

    private async Task<InboundFired> FireRuleAsync(InboundTrigger trigger, InboundCall call, JsonElement? body, CancellationToken ct)
    {
        var rule = await db.Set<Rule>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == trigger.TargetId, ct) ?? throw ProblemException.NotFound("Rule");
        if (!rule.Enabled)
        {
            throw ProblemException.Conflict("The rule is disabled; enable it to accept inbound calls.");
        }

        var actions = RuleActionTypes.Read(rule.ActionsJson);
        var variables = RuleVariables.Write(RuleVariables.OfInbound(trigger.Id, body));
        for (var i = 0; i < actions.Count; i++)
        {
            db.Set<RuleActionRecord>().Add(new RuleActionRecord
            {
                RuleId = rule.Id,
                Source = $"inbound:{call.Id}",
                EventType = RuleEvents.Inbound,
                ActionIndex = i,
                ActionType = actions[i].Type ?? "",
                Depth = 1,
                VariablesJson = variables,
                NextAttemptAt = Now,
                CreatedAt = Now,
            });
        }

        return new InboundFired(trigger.Id, "rule", rule.Id, actions.Count, null);
    }

    private async Task<InboundFired> FireScheduleAsync(InboundTrigger trigger, JsonElement? body, CancellationToken ct)
    {
        var schedules = services.GetService<IScheduleTrigger>()
                        ?? throw ProblemException.Conflict("Schedules are not available in this Bosun, so a schedule's inbound trigger cannot fire.");
        var result = await schedules.RunNowAsync(trigger.TargetId, body, Actor.Automation($"inbound:{trigger.Id}", "inbound trigger"), ct);
        return new InboundFired(trigger.Id, "schedule", trigger.TargetId, 0, result);
    }

    private bool Verifies(InboundTrigger trigger, long timestamp, byte[] body, string signature)
    {
        string secret;
        try
        {
            secret = secrets.Open(trigger.SecretSealed, Purpose(trigger.TenantId, trigger.Id));
        }
        catch (CryptographicException)
        {
            return false;
        }

        var expected = WebhookDispatcher.Sign(secret, timestamp, Encoding.UTF8.GetString(body));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature));
    }

    private static ProblemException Unauthorized(string detail) => new(401, "Unauthorized", detail, "/problems/unauthorized");
}
