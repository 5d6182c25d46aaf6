using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Bosun.Core.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Bosun.Cli.Bench;

/// Fan-out of notifications: approvals requested one after another, each waiting for every reviewer, who hears of it
/// by email (an SMTP server on this machine) and on their own chat webhook (an HTTP receiver on this machine). Prints
/// deliveries per second and the lag from the request to the message's arrival, under the whole load and then for one
/// event at a time on the quiet server (to the last of its messages). The baseline, in the same run: the
/// same transports driven directly (one SMTP connection sending, and chat posts as many at once as Bosun makes).
public static class NotifyBench
{
    public static Command Command()
    {
        var store = BenchServer.StoreOption();
        var events = new Option<int>("--events") { Description = "Approvals requested, each an event for every subscriber", DefaultValueFactory = _ => 10_000 };
        var subscribers = new Option<int>("--subscribers") { Description = "Reviewers who hear of each by email and chat", DefaultValueFactory = _ => 100 };
        var command = new Command("notify", "Notification fan-out over email and chat receivers against the transports driven directly") { store, events, subscribers };
        command.SetAction((result, ct) => BenchServer.RunToEndAsync(
            () => RunAsync(result.GetValue(store)!, Math.Max(1, result.GetValue(events)), Math.Max(1, result.GetValue(subscribers)), ct), ct));
        return command;
    }

    private static async Task RunAsync(string store, int events, int subscribers, CancellationToken ct)
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var chat = await ChatSink.StartAsync();
        await using var server = await BenchServer.StartAsync(store, builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BOSUN_SMTP_HOST"] = "127.0.0.1", ["BOSUN_SMTP_PORT"] = smtp.Port.ToString(CultureInfo.InvariantCulture), ["BOSUN_SMTP_SECURITY"] = "none",
            ["BOSUN_PUBLIC_URL"] = "http://bosun.bench",
        }));
        var (_, owner) = await server.CreateTenantAsync("notify");
        var expected = (long)events * subscribers;
        AnsiConsole.MarkupLineInterpolated($"Bosun at {server.Url} on {server.Store.Describe()}; {events:N0} events × {subscribers:N0} subscribers = {expected:N0} emails and {expected:N0} chat messages");

        // Baseline first, on the same receivers, then cleared.
        var baselineCount = (int)Math.Min(expected, 20_000);
        var mail = server.Services.GetRequiredService<MailSender>();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < baselineCount; i += 200)
        {
            await mail.SendAsync(Enumerable.Range(i, Math.Min(200, baselineCount - i))
                .Select(n => new OutgoingMail($"base{n}", $"r{n % subscribers}@bench.test", $"Approval waiting: base {n}", "Requested by Owner.\n\nhttp://bosun.bench/inbox")).ToList(), ct);
        }

        Assert(await smtp.WaitForAsync(baselineCount, TimeSpan.FromMinutes(5)), "the baseline's emails did not all arrive");
        var rawEmail = baselineCount / sw.Elapsed.TotalSeconds;
        sw.Restart();
        using (var http = new HttpClient())
        {
            for (var i = 0; i < baselineCount; i += 200)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(200, baselineCount - i)).Select(n => http.PostAsJsonAsync(chat.Url + "?p=base", new { text = $"Approval waiting: base {n}" }, ct)));
            }
        }

        var rawChat = baselineCount / sw.Elapsed.TotalSeconds;
        smtp.Received.Clear();
        chat.Received.Clear();

        var people = new ConcurrentBag<HttpClient>();
        using var anonymous = new HttpClient { BaseAddress = owner.BaseAddress };
        await Parallel.ForEachAsync(Enumerable.Range(0, subscribers), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, c) =>
        {
            var invitation = await BenchServer.PostAsync(owner, "api/v1/invitations", new { email = $"r{i}@bench.test", role = "reviewer" }, c);
            var accepted = await BenchServer.PostAsync(anonymous, "api/v1/invitations/accept", new { token = invitation.GetProperty("token").GetString(), name = $"Reviewer {i}" }, c);
            var person = new HttpClient { BaseAddress = owner.BaseAddress };
            person.DefaultRequestHeaders.Authorization = new("Bearer", accepted.GetProperty("token").GetProperty("token").GetString());
            using var response = await person.PatchAsJsonAsync("api/v1/notifications/preferences",
                new { kinds = new[] { new { kind = "approval", email = true, chat = true } }, chat_webhook_url = $"{chat.Url}?p={i}" }, c);
            response.EnsureSuccessStatusCode();
            people.Add(person);
        });

        var requested = new ConcurrentDictionary<string, long>();
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, c) =>
        {
            var subject = $"bench-{i:D6}";
            requested[subject] = Stopwatch.GetTimestamp();
            await BenchServer.PostAsync(owner, "api/v1/approvals", new { subject }, c);
        });
        var requestSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        AnsiConsole.MarkupLineInterpolated($"{events:N0} approvals requested in {requestSeconds:N1} s; waiting for {2 * expected:N0} messages");

        var limit = TimeSpan.FromMinutes(Math.Max(10, expected / 500.0 / 60));
        var doneEmail = smtp.WaitForAsync((int)expected, limit);
        var doneChat = chat.WaitForAsync((int)expected, limit);
        await Task.WhenAll(doneEmail, doneChat);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        static string SubjectOf(string text) => text.Split(": ", 2) is [_, var rest] ? rest.Split('\n')[0] : "";
        var emailLags = smtp.Received.Select(m => requested.TryGetValue(SubjectOf(m.Subject), out var at) ? Stopwatch.GetElapsedTime(at, m.ReceivedTicks).TotalMilliseconds : double.NaN)
            .Where(d => !double.IsNaN(d)).Order().ToList();
        var chatLags = chat.Received.Select(m => requested.TryGetValue(SubjectOf(m.Text), out var at) ? Stopwatch.GetElapsedTime(at, m.ReceivedTicks).TotalMilliseconds : double.NaN)
            .Where(d => !double.IsNaN(d)).Order().ToList();
        var (emails, chats) = (smtp.Received.Count, chat.Received.Count);
        var delivered = emails + chats;
        var emailIds = smtp.Received.Select(m => m.MessageId).Distinct().Count();

        // The lag of one event at a time on a quiet server: what a person waits for when nothing is queued before.
        var quiet = new List<(double Email, double Chat)>();
        for (var j = 0; j < 20; j++)
        {
            var (emailsBefore, chatsBefore) = (smtp.Received.Count, chat.Received.Count);
            var at = Stopwatch.GetTimestamp();
            await BenchServer.PostAsync(owner, "api/v1/approvals", new { subject = $"quiet-{j:D2}" }, ct);
            Assert(await SmtpSink.WaitUntilAsync(() => smtp.Received.Count >= emailsBefore + subscribers && chat.Received.Count >= chatsBefore + subscribers, TimeSpan.FromMinutes(1)),
                "a quiet event's messages did not all arrive");
            quiet.Add((smtp.Received.Skip(emailsBefore).Max(m => Stopwatch.GetElapsedTime(at, m.ReceivedTicks).TotalMilliseconds),
                chat.Received.Skip(chatsBefore).Max(m => Stopwatch.GetElapsedTime(at, m.ReceivedTicks).TotalMilliseconds)));
            await Task.Delay(200, ct);
        }

        var quietEmail = quiet.Select(q => q.Email).Order().ToList();
        var quietChat = quiet.Select(q => q.Chat).Order().ToList();

        var table = new Table().AddColumns("what", "messages", "per second", "lag p50 ms", "lag p99 ms", "lag max ms");
        table.AddRow("email, direct (baseline)", $"{baselineCount:N0}", $"{rawEmail:N0}", "—", "—", "—");
        table.AddRow("chat, direct (baseline)", $"{baselineCount:N0}", $"{rawChat:N0}", "—", "—", "—");
        table.AddRow("email through Bosun", $"{emails:N0}", $"{emails / seconds:N0}", Lag(emailLags, 0.5), Lag(emailLags, 0.99), Lag(emailLags, 1));
        table.AddRow("chat through Bosun", $"{chats:N0}", $"{chats / seconds:N0}", Lag(chatLags, 0.5), Lag(chatLags, 0.99), Lag(chatLags, 1));
        table.AddRow("all deliveries through Bosun", $"{delivered:N0}", $"{delivered / seconds:N0}", "", "", "");
        table.AddRow($"one event on a quiet server, to its last email (×{quiet.Count})", $"{subscribers:N0} each", "", Lag(quietEmail, 0.5), Lag(quietEmail, 0.99), Lag(quietEmail, 1));
        table.AddRow($"one event on a quiet server, to its last chat message (×{quiet.Count})", $"{subscribers:N0} each", "", Lag(quietChat, 0.5), Lag(quietChat, 0.99), Lag(quietChat, 1));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Email through Bosun / direct: {emails / seconds / rawEmail:N2}; chat through Bosun / direct: {chats / seconds / rawChat:N2}");
        AnsiConsole.MarkupLineInterpolated($"Distinct Message-Ids: {emailIds:N0} of {emails:N0} emails (a repeat would show as fewer); all arrived: {(doneEmail.Result && doneChat.Result ? "yes" : "no")}");
        foreach (var person in people)
        {
            person.Dispose();
        }
    }

    private static string Lag(List<double> sorted, double p) => sorted.Count == 0 ? "—" : $"{BenchServer.Percentile(sorted, p):N0}";

    private static void Assert(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"Benchmark stopped: {what}.");
        }
    }

    public sealed record ChatMessage(string Text, long ReceivedTicks);

    /// An HTTP receiver for chat posts on 127.0.0.1, keeping each message's text and arrival time.
    private sealed class ChatSink : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ChatSink(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public ConcurrentQueue<ChatMessage> Received { get; } = new();

        public static async Task<ChatSink> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            ChatSink? sink = null;
            app.MapPost("/chat", async (HttpContext http) =>
            {
                var body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
                sink!.Received.Enqueue(new ChatMessage(body.GetProperty("text").GetString() ?? "", Stopwatch.GetTimestamp()));
                return Results.Ok();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            sink = new ChatSink(app, $"{address}/chat");
            return sink;
        }

        public Task<bool> WaitForAsync(int count, TimeSpan timeout) => SmtpSink.WaitUntilAsync(() => Received.Count >= count, timeout);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
