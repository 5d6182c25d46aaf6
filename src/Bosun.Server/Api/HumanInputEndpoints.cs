using System.Text.Json;
using Bosun.Core.Common;
using Bosun.Core.HumanInput;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Bosun.Server.Api;

public static class HumanInputEndpoints
{
    public static void MapHumanInput(this IEndpointRouteBuilder api)
    {
        var work = api.MapGroup("/work").WithTags("Forms");
        work.MapGet("/{id}/form", (string id, HumanInputService s, CancellationToken ct) => s.GetFormAsync(id, ct))
            .WithSummary("The item's form: its fields, bindings, whether it is one-shot and still takes a submission");
        work.MapPut("/{id}/form", (string id, JsonElement body, HumanInputService s, CancellationToken ct) => s.SetFormAsync(id, body, ct))
            .WithSummary("Put a form on an item ({fields, bindings, one_shot, submit_label}); replaced only while nothing was submitted");
        work.MapPost("/{id}/submissions", async (string id, SubmitRequest body, [FromHeader(Name = "Idempotency-Key")] string? key, HumanInputService s, CancellationToken ct) =>
            {
                var result = await s.SubmitAsync(id, body, key, ct);
                return result.Replayed ? Results.Ok(result) : Results.Created($"/api/v1/work/{result.Item.Id}/submissions/{result.Submission.Id}", result);
            })
            .WithSummary("Submit the form's values (Idempotency-Key required): checked against the form, stored, and bound where the form says");
        work.MapGet("/{id}/submissions", (string id, int? limit, string? cursor, HumanInputService s, CancellationToken ct) =>
                s.ListSubmissionsAsync(id, PageRequest.From(limit, cursor), ct))
            .WithSummary("The item's submissions, oldest first, each with who sent it, when, and what its bindings did");

        api.MapPost("/runs/{id}/ask", (string id, AskRequest body, HumanInputService s, CancellationToken ct) => s.AskAsync(id, body, ct))
            .WithTags("Questions")
            .WithSummary("Ask a person or role a question (options or a form); a blocking one ends the run as waiting until it is answered");

        var questions = api.MapGroup("/questions").WithTags("Questions");
        questions.MapGet("", (string? status, bool? mine, [FromQuery(Name = "work_item")] string? workItem, int? limit, string? cursor, HumanInputService s, CancellationToken ct) =>
                s.ListQuestionsAsync(Check.OneOf<QuestionStatus>("status", status), mine ?? false, workItem, PageRequest.From(limit, cursor), ct))
            .WithSummary("Questions, newest first; ?status=open&mine=true is what waits for your answer; ?work_item= those an item asked");
        questions.MapGet("/{id}", (string id, HumanInputService s, CancellationToken ct) => s.GetQuestionAsync(id, ct))
            .WithSummary("A question by id or by its item's key, with its form and answer");
    }
}
