namespace Bosun.Core.Integrations;

/// The columns that hold values sealed with <see cref="SecretBox"/>, and what each row's value was sealed for. Backups
/// and archives carry these values sealed; a restore or an import first opens one of them with the key configured
/// where it lands, so a missing or wrong key is found before anything is written.
public static class SealedColumns
{
    /// <param name="Purpose">The purpose the row's value was sealed for, from the row's columns by name.</param>
    public sealed record Column(string Table, string Name, Func<Func<string, string?>, string> Purpose);

    public static readonly IReadOnlyList<Column> All =
    [
        new("webhooks", "secret_sealed", row => WebhookService.Purpose(row("tenant_id")!, row("id")!)),
        new("github_integrations", "secret_sealed", row => GitHubService.Purpose(row("tenant_id")!, row("id")!)),

        // The vault's data keys; the values under them open once their data key does.
        new("secrets", "data_key_sealed", row => SecretVault.Purpose(row("tenant_id")!, row("id")!)),
        new("connection_authorizations", "verifier_sealed", row => ConnectionService.Purpose(row("tenant_id")!, row("id")!)),
        new("chat_routes", "url_sealed", row => Notifications.NotificationSender.ChatRoutePurpose(row("tenant_id")!, row("id")!)),
        new("inbound_triggers", "secret_sealed", row => Automation.InboundTriggerService.Purpose(row("tenant_id")!, row("id")!)),
    ];

    /// Columns sealed under a data key of their row (itself in <see cref="All"/>) rather than with the configured key:
    /// they open wherever their data key opens, so the key check needs only the data key.
    public static readonly IReadOnlyList<(string Table, string Name)> UnderDataKey = [("secrets", "value_sealed")];
}
