using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Bosun.Server.Http;

/// Caps request bodies (1 MiB unless an endpoint declares more), whether or not a Content-Length was sent.
public sealed class BodyLimitMiddleware(RequestDelegate next, BosunServerOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? options.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        // Forms are read with the framework's 128 MiB multipart cap unless an endpoint allows more.
        if (limit > new FormOptions().MultipartBodyLengthLimit && context.Request.HasFormContentType)
        {
            context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions { MultipartBodyLengthLimit = limit }));
        }

        context.Request.Body = new LimitedStream(context.Request.Body, limit);
        return next(context);
    }

    // The framework's own exception type, so model binding passes it through instead of calling it malformed JSON.
    internal static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw TooLarge(limit);
            }

            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
