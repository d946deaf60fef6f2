namespace DevServe.Hosting;

/// <summary>
/// Passes a page through to <c>inner</c> and puts <c>insert</c> just before its last <c>&lt;/body</c> (any case), or at
/// the end when there is none: the live-reload script then sits inside the document, not after <c>&lt;/html&gt;</c>.
/// </summary>
/// <remarks>
/// The page may be streamed: everything before a possible <c>&lt;/body</c> is written on at once; only an end that could
/// begin one (at most 5 bytes) and the text from the last one seen (usually just <c>&lt;/html&gt;</c>, at most 64 KiB) are
/// held back until the page ends.
/// </remarks>
internal sealed class BeforeBodyEndStream(Stream inner, byte[] insert) : Stream
{
    private static readonly byte[] s_bodyEnd = "</body"u8.ToArray();

    private const int MaxHeld = 64 * 1024;

    // From the last "</body" seen (or a tail that may begin one) to what has been written so far.
    private readonly MemoryStream _held = new();
    private bool _heldIsBodyEnd;
    private bool _passing;   // the insert is written: everything else passes straight through

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
        if (_passing)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }
        var before = (int)_held.Length;
        _held.Write(buffer.Span);
        var held = _held.GetBuffer().AsMemory(0, (int)_held.Length);
        // Only the new bytes (and the few before them that could begin a match) are searched.
        var last = LastBodyEnd(held.Span, Math.Max(0, before - (s_bodyEnd.Length - 1)));
        int keepFrom;
        if (last >= 0)
        {
            keepFrom = last;
            _heldIsBodyEnd = true;
        }
        else
        {
            keepFrom = _heldIsBodyEnd ? 0 : held.Length - PartialBodyEnd(held.Span);
        }
        if (keepFrom > 0)
        {
            await inner.WriteAsync(held[..keepFrom], cancellationToken).ConfigureAwait(false);
            var rest = held[keepFrom..].ToArray();
            _held.SetLength(0);
            _held.Write(rest);
        }
        if (_heldIsBodyEnd && _held.Length > MaxHeld)
        {
            // A page that goes on streaming long after its </body>: the script goes where that was, the rest passes.
            await inner.WriteAsync(insert, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken).ConfigureAwait(false);
            _held.SetLength(0);
            _passing = true;
        }
    }

    /// <summary>Writes the insert and what was held back; call once, when the page has been written.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_passing)
        {
            return;
        }
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

    private static int LastBodyEnd(ReadOnlySpan<byte> text, int from)
    {
        for (var i = text.Length - s_bodyEnd.Length; i >= from; i--)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(text.Slice(i, s_bodyEnd.Length), s_bodyEnd))
            {
                return i;
            }
        }
        return -1;
    }

    // The length of the longest end of the text that could begin "</body" (held back until the next write says).
    private static int PartialBodyEnd(ReadOnlySpan<byte> text)
    {
        for (var length = Math.Min(s_bodyEnd.Length - 1, text.Length); length > 0; length--)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(text[^length..], s_bodyEnd.AsSpan(0, length)))
            {
                return length;
            }
        }
        return 0;
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
