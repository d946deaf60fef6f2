namespace DevServe.Hosting;

/// <summary>
/// Passes a page through to <c>inner</c> and puts <c>insert</c> just before its last <c>&lt;/body</c> (any case), or at
/// the end when there is none: the live-reload script then sits inside the document, not after <c>&lt;/html&gt;</c>.
/// </summary>
/// <remarks>
/// The page may be streamed: everything before a possible <c>&lt;/body</c> is written on at once, and only the text from
/// the last one seen (what follows it is usually just <c>&lt;/html&gt;</c>) is held back until the page ends.
/// </remarks>
internal sealed class BeforeBodyEndStream(Stream inner, byte[] insert) : Stream
{
    private static readonly byte[] s_bodyEnd = "</body"u8.ToArray();

    // From the last "</body" seen (or a tail that may begin one) to what has been written so far.
    private readonly MemoryStream _held = new();
    private bool _heldIsBodyEnd;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _held.Write(buffer.Span);
        var held = _held.GetBuffer().AsMemory(0, (int)_held.Length);
        var last = LastBodyEnd(held.Span);
        if (last > 0 || (last < 0 && !_heldIsBodyEnd))
        {
            // Write on everything before the last "</body" (or, with none, all but a tail that could start one).
            var keepFrom = last >= 0 ? last : Math.Max(0, held.Length - (s_bodyEnd.Length - 1));
            await inner.WriteAsync(held[..keepFrom], cancellationToken).ConfigureAwait(false);
            var rest = held[keepFrom..].ToArray();
            _held.SetLength(0);
            _held.Write(rest);
            _heldIsBodyEnd = last >= 0;
        }
        else if (last == 0)
        {
            _heldIsBodyEnd = true;
        }
    }

    /// <summary>Writes the insert and what was held back; call once, when the page has been written.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        var held = _held.GetBuffer().AsMemory(0, (int)_held.Length);
        if (_heldIsBodyEnd)
        {
            await inner.WriteAsync(insert, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(held, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await inner.WriteAsync(held, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(insert, cancellationToken).ConfigureAwait(false);
        }
        _held.SetLength(0);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static int LastBodyEnd(ReadOnlySpan<byte> text)
    {
        for (var i = text.Length - s_bodyEnd.Length; i >= 0; i--)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(text.Slice(i, s_bodyEnd.Length), s_bodyEnd))
            {
                return i;
            }
        }
        return -1;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _held.Dispose();
        }
        base.Dispose(disposing);
    }
}
