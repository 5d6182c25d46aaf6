using System.Diagnostics;
using Bosun.Core.Common;
using Bosun.Core.Data;
using Bosun.Core.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Web;

/// The web UI: server-rendered pages at `/`, served by the same process as the API. Every action calls the same
/// Core service as the API route does, in one transaction, as the signed-in person.
public static class WebEndpoints
{
    public static void MapWebUi(this IEndpointRouteBuilder app)
    {
        app.MapAssets();

        var open = app.MapGroup("").ExcludeFromDescription().AddEndpointFilter(Guard(signInRequired: false));
        SignInPages.Map(open);

        var pages = app.MapGroup("").ExcludeFromDescription().AddEndpointFilter(Guard(signInRequired: true));
        pages.MapGet("/", () => new SeeOther("/board"));
        BoardPage.Map(pages);
        StoryMapPage.Map(pages);
        WorkItemPage.Map(pages);
        WorkItemKnowledge.Map(pages);
        ProjectPolicyPage.Map(pages);
        InboxPage.Map(pages);
        HumanInputForms.Map(pages);
        GoalsPage.Map(pages);
        PlansPage.Map(pages);
        ArtifactsPage.Map(pages);
        DeliverablesPage.Map(pages);
        TemplatesPage.Map(pages);
        SchedulesPage.Map(pages);
        RulesPage.Map(pages);
        SearchPage.Map(pages);
        MemoryPage.Map(pages);
        CostsPage.Map(pages);
        SessionsPage.Map(pages);
        AgentsPage.Map(pages);
        MachinesPage.Map(pages);
        SecretsPage.Map(pages);
        AccessPage.Map(pages);
        NotificationsPage.Map(pages);
        ConnectionsPage.Map(pages);
        ActivityPage.Map(pages);
        ActivityStream.Map(pages);
    }

    /// Sends visitors without a session to sign in, refuses forged form posts, and shows a refused request as a page.
    private static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Guard(bool signInRequired) => async (invocation, next) =>
    {
        var http = invocation.HttpContext;
        http.Items[HtmlResult.StartedItem] = Stopwatch.GetTimestamp();
        if (signInRequired && WebAuth.Principal(http) is null)
        {
            if (!HttpMethods.IsGet(http.Request.Method))
            {
                return new SeeOther("/signin");
            }

            var target = http.Request.Path + http.Request.QueryString;
            return new SeeOther("/signin" + Html.Query(("next", target == "/" ? null : target)));
        }

        if (signInRequired && HttpMethods.IsGet(http.Request.Method))
        {
            await NotificationsPage.CountUnreadAsync(http);
        }

        if (HttpMethods.IsPost(http.Request.Method))
        {
            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
            if (form is null || !WebAuth.FormIsGenuine(http, form))
            {
                return Layout.Error(http, new ProblemException(403, "Form expired",
                    "The form was not sent from this Bosun page or has expired. Go back, reload the page and try again.", "/problems/forbidden"));
            }
        }

        try
        {
            return await next(invocation);
        }
        catch (ProblemException problem)
        {
            http.RequestServices.GetRequiredService<BosunDb>().ChangeTracker.Clear();
            return Layout.Error(http, problem);
        }
    };

    /// Runs a read for a page in one transaction, as the API does for a GET.
    internal static Task<T> ReadAsync<T>(this HttpContext http, Func<CancellationToken, Task<T>> work) =>
        http.RequestServices.GetRequiredService<BosunDb>().InTransactionAsync(work, write: false, http.RequestAborted);

    /// Runs a change in one transaction: it commits with its audit rows, or not at all.
    internal static async Task<T> WriteAsync<T>(this HttpContext http, Func<CancellationToken, Task<T>> work)
    {
        var db = http.RequestServices.GetRequiredService<BosunDb>();
        try
        {
            return await db.InTransactionAsync(work, write: true, http.RequestAborted);
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }
}

internal static class FormPosts
{
    /// Runs a form's change in one transaction and goes back to <paramref name="back"/> with its message; a refused form
    /// is shown again by <paramref name="show"/>, with what was typed and what was wrong next to the form of <paramref name="scope"/>.
    public static async Task<IResult> PostFormAsync(this HttpContext http, string back, string scope, Func<IFormCollection, CancellationToken, Task<string>> change,
        Func<HttpContext, FormState, int, Task<HtmlResult>> show)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        try
        {
            Layout.SetFlash(http, await http.WriteAsync(c => change(form, c)));
            return new SeeOther(back);
        }
        catch (ProblemException problem) when (problem.Status is 400 or 409)
        {
            return await show(http, new FormState(form, problem, scope), problem.Status);
        }
    }

    /// A form field left empty means "not given".
    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// 303 See Other: after a form post the browser loads the next page with GET, so a reload never repeats the post.
internal sealed class SeeOther(string location) : IResult
{
    public Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = location;
        http.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }
}
