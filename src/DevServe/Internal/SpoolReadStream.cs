using Microsoft.Win32.SafeHandles;

namespace DevServe.Internal;

/// <summary>A read-only stream over a spooled upload; positional reads, so several readers never disturb each other.</summary>
internal sealed class SpoolReadStream(object owner, SafeFileHandle handle, long length) : Stream
{
    // Holding the owner keeps the spool's handle (and so the delete-on-close file) alive while this stream is read.
    private readonly object _owner = owner;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        GC.KeepAlive(_owner);
        var n = RandomAccess.Read(handle, buffer[..(int)Math.Min(buffer.Length, length - _position)], _position);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
