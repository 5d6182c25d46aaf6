using Microsoft.Extensions.Hosting;

namespace Bosun.Core.Realtime;

/// Gives committed stream events their numbers on PostgreSQL (see <see cref="StreamSequencer"/>). It runs even when
/// the other background jobs are turned off: streams and webhooks see nothing without it.
public sealed class StreamSequencingService(StreamSequencer sequencer, RealtimeOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await sequencer.RunAsync(options.PollInterval, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
