namespace DevServe.Internal;

/// <summary>
/// The response body a dispatcher's <c>Output</c> writes to: Kestrel's, except that once the client has gone away
/// (or the server stops at once) every write throws <see cref="IOException"/>.
/// </summary>
/// <remarks>
/// Kestrel drops writes to a closed connection without a word, so an endless <c>Response.Streamed</c> would never
/// end and a graceful stop would wait out its whole grace period for it. Racket kills the handler at the first
/// failed write; the nearest .NET can do is to make that write throw.
/// </remarks>
internal sealed class ClientBodyStream(Stream inner, CancellationToken aborted) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    private void ThrowIfGone()
    {
        if (aborted.IsCancellationRequested)
        {
            throw new IOException("The client has gone away: the response cannot be written.");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfGone();
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfGone();
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            throw new IOException("The client has gone away: the response cannot be written.");
        }
        ThrowIfGone();
    }

    public override void Flush()
    {
        ThrowIfGone();
        inner.Flush();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfGone();
        try
        {
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            throw new IOException("The client has gone away: the response cannot be written.");
        }
        ThrowIfGone();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
