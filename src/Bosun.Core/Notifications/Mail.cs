using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace Bosun.Core.Notifications;

public enum SmtpSecurity { None, StartTls, Tls }

/// The instance's SMTP server and its own address, from configuration. Without BOSUN_SMTP_HOST Bosun sends no email:
/// people are told in the app only, and password reset says an admin must help.
public sealed record MailOptions(string? Host, int Port, SmtpSecurity Security, string? Username, string? Password, string From, string? PublicUrl)
{
    public bool Configured => Host is { Length: > 0 };

    /// Never the password: a record's generated text would print it wherever the options were logged.
    public override string ToString() => $"SMTP {Host ?? "(none)"}:{Port} ({Security}){(Username is null ? "" : $" as {Username}")}, from {From}";

    public static MailOptions Load(IConfiguration configuration)
    {
        var host = configuration["BOSUN_SMTP_HOST"];
        var security = configuration["BOSUN_SMTP_SECURITY"]?.ToLowerInvariant() switch
        {
            "none" => SmtpSecurity.None,
            "tls" => SmtpSecurity.Tls,
            "starttls" => SmtpSecurity.StartTls,
            null or "" => (SmtpSecurity?)null,
            var other => throw new InvalidOperationException($"BOSUN_SMTP_SECURITY must be none, starttls or tls, not '{other}'."),
        };
        var port = int.TryParse(configuration["BOSUN_SMTP_PORT"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p
            : security == SmtpSecurity.Tls ? 465 : security == SmtpSecurity.None ? 25 : 587;
        security ??= port == 465 ? SmtpSecurity.Tls : port == 25 ? SmtpSecurity.None : SmtpSecurity.StartTls;
        var password = configuration["BOSUN_SMTP_PASSWORD"];
        if (password is null && configuration["BOSUN_SMTP_PASSWORD_FILE"] is { Length: > 0 } file)
        {
            password = File.ReadAllText(file).Trim();
        }

        return new MailOptions(host, port, security.Value, configuration["BOSUN_SMTP_USERNAME"], password,
            configuration["BOSUN_SMTP_FROM"] ?? "Bosun <bosun@localhost>", configuration["BOSUN_PUBLIC_URL"]?.TrimEnd('/'));
    }

    /// The full address of a page when Bosun knows where it is served (BOSUN_PUBLIC_URL), else the path alone.
    public string? LinkTo(string? path) => path is null ? null : PublicUrl is null ? path : PublicUrl + path;
}

/// One email to send; <see cref="Id"/> becomes its Message-Id, so a receiver can drop a repeat.
public sealed record OutgoingMail(string Id, string To, string Subject, string Body);

/// Sends email over SMTP with MailKit, one connection for a batch of messages.
public sealed class MailSender(MailOptions options)
{
    public async Task<IReadOnlyList<string?>> SendAsync(IReadOnlyList<OutgoingMail> messages, CancellationToken ct)
    {
        var errors = new string?[messages.Count];
        if (options.Host is not { Length: > 0 } host)
        {
            Array.Fill(errors, "email is not configured (BOSUN_SMTP_HOST)");
            return errors;
        }

        using var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            // Small SMTP commands wait out the peer's delayed ACK (about 40 ms each) unless Nagle's algorithm is off: a
            // connection of our own with NoDelay sends a batch at hundreds of messages a second instead of about 20.
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(host, options.Port, ct);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            await client.ConnectAsync(socket, host, options.Port, options.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            }, ct);
            client.Capabilities &= ~SmtpCapabilities.Pipelining;
            if (options.Username is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, options.Password ?? "", ct);
            }
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or AuthenticationException or IOException
                                       or System.Net.Sockets.SocketException or SslHandshakeException or TimeoutException && !ct.IsCancellationRequested)
        {
            Array.Fill(errors, $"SMTP {options.Host}:{options.Port}: {ex.Message}");
            return errors;
        }

        var from = MailboxAddress.Parse(options.From);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            try
            {
                var message = new MimeMessage { Subject = m.Subject, MessageId = $"{m.Id}@bosun", Body = new TextPart("plain") { Text = m.Body } };
                message.From.Add(from);
                message.To.Add(MailboxAddress.Parse(m.To));
                await client.SendAsync(message, ct);
            }
            catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or ParseException or IOException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                errors[i] = ex.Message;
                if (!client.IsConnected)
                {
                    for (var j = i + 1; j < messages.Count; j++)
                    {
                        errors[j] = "SMTP connection lost: " + ex.Message;
                    }

                    return errors;
                }
            }
        }

        await client.DisconnectAsync(quit: true, ct);
        return errors;
    }
}
