using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Bosun.Cli.Bench;

/// <paramref name="ReceivedTicks"/>: <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at arrival.
public sealed record ReceivedMail(string MessageId, string To, string Subject, string Body, long ReceivedTicks);

/// A real SMTP server on 127.0.0.1 that keeps what it receives: the benchmark's and the tests' mailbox. With a user
/// and password it refuses mail from clients that do not authenticate.
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private SmtpSink(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<ReceivedMail> Received { get; } = new();

    /// Refuse the next N messages with a temporary failure (451), as a full or struggling server does.
    public int RefuseNext;

    public static async Task<SmtpSink> StartAsync(string? user = null, string? password = null)
    {
        var sink = new SmtpSink(FreePort());
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port)).AllowUnsecureAuthentication(true).AuthenticationRequired(user is not null))
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(sink));
        if (user is not null)
        {
            services.Add(new Authenticator(user, password ?? ""));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        sink._running = server.StartAsync(sink._stop.Token);
        await Task.Yield();
        return sink;
    }

    /// Waits until at least <paramref name="count"/> messages arrived, or the timeout passed.
    public Task<bool> WaitForAsync(int count, TimeSpan timeout) => WaitUntilAsync(() => Received.Count >= count, timeout);

    /// Polls until <paramref name="done"/> holds or the timeout passes; what a receiver's waits share.
    public static async Task<bool> WaitUntilAsync(Func<bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done() && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        return done();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken ct)
        {
            if (Interlocked.Decrement(ref sink.RefuseNext) >= 0)
            {
                return new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "try again later");
            }

            Interlocked.Exchange(ref sink.RefuseNext, 0);
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, ct);
            sink.Received.Enqueue(new ReceivedMail(message.MessageId ?? "", string.Join(",", message.To.Mailboxes.Select(m => m.Address)),
                message.Subject ?? "", message.TextBody ?? "", System.Diagnostics.Stopwatch.GetTimestamp()));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Authenticator(string user, string password) : UserAuthenticator
    {
        public override Task<bool> AuthenticateAsync(ISessionContext context, string name, string secret, CancellationToken ct) =>
            Task.FromResult(name == user && secret == password);
    }
}
