using System.Buffers.Binary;
using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace DevServe.Internal;

/// <summary>
/// Writes values for a stateless token: a small tagged binary form with back-references (an object reached twice,
/// from a frame and from a closure, is written once). Only what <see cref="FrameTypes"/> allows can be written; the
/// servlet's root object (a script's top level) is written as a mark, never its contents.
/// </summary>
internal sealed class FrameWriter(Assembly servlet, object? root)
{
    private readonly ByteSink _bytes = new();
    private readonly Dictionary<object, int> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Type, int> _types = [];

    /// <summary>The local being written, for the message when something in it cannot be.</summary>
    public string Local { get; set; } = "";

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();

    public void WriteVarint(long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));   // zigzag
        while (v >= 0x80)
        {
            _bytes.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        _bytes.WriteByte((byte)v);
    }

    public void WriteRawByte(byte value) => _bytes.WriteByte(value);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => _bytes.Write(bytes);

    public void WriteString(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        WriteVarint(utf8.Length);
        _bytes.Write(utf8);
    }

    public void WriteType(Type type)
    {
        if (FrameTypes.TryBuiltin(type, out var id))
        {
            _bytes.WriteByte(id);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            _bytes.WriteByte(FrameTypes.ListId);
            WriteType(type.GetGenericArguments()[0]);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            _bytes.WriteByte(FrameTypes.DictionaryId);
            WriteType(type.GetGenericArguments()[0]);
            WriteType(type.GetGenericArguments()[1]);
        }
        else if (type.IsSZArray)
        {
            _bytes.WriteByte(FrameTypes.ArrayId);
            WriteType(type.GetElementType()!);
        }
        else if (_types.TryGetValue(type, out var known))
        {
            _bytes.WriteByte(FrameTypes.KnownUser);
            WriteVarint(known);
        }
        else if (FrameTypes.IsAllowedUserType(type, servlet))
        {
            _types[type] = _types.Count;
            _bytes.WriteByte(FrameTypes.NewUser);
            Span<byte> typeId = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(typeId, FrameTypes.TypeId(type));
            _bytes.Write(typeId);
            _bytes.Write(FrameTypes.Fingerprint(type));
        }
        else
        {
            throw new UnwritableException(Local, type);
        }
    }

    public void WriteValue(object? value)
    {
        if (value is null)
        {
            _bytes.WriteByte(FrameTypes.Null);
            return;
        }
        if (root is not null && ReferenceEquals(value, root))
        {
            _bytes.WriteByte(FrameTypes.Root);
            return;
        }
        var type = value.GetType();
        if (SynthesizedElementType(type) is { } element)
        {
            // A collection expression given to an IReadOnlyList<T> (or IEnumerable<T>...) is a type the compiler made
            // (<>z__ReadOnlyArray<T>): the link carries it as the array it reads as, which fits every such interface.
            var items = ((IEnumerable)value).Cast<object?>().ToArray();
            var array = Array.CreateInstance(element, items.Length);
            Array.Copy(items, array, items.Length);
            value = array;
            type = array.GetType();
        }
        if (!type.IsValueType && type != typeof(string))
        {
            if (_seen.TryGetValue(value, out var index))
            {
                _bytes.WriteByte(FrameTypes.Back);
                WriteVarint(index);
                return;
            }
            _seen[value] = _seen.Count;
        }
        WriteType(type);
        WritePayload(value, type);
    }

    private void WritePayload(object value, Type type)
    {
        Span<byte> buffer = stackalloc byte[16];
        switch (value)
        {
            case bool b:
                _bytes.WriteByte(b ? (byte)1 : (byte)0);
                break;
            case byte b:
                _bytes.WriteByte(b);
                break;
            case char c:
                WriteVarint(c);
                break;
            case short or int or long:
                WriteVarint(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case uint u:
                WriteVarint(u);
                break;
            case ulong u:
                BinaryPrimitives.WriteUInt64LittleEndian(buffer, u);
                _bytes.Write(buffer[..8]);
                break;
            case double d:
                BinaryPrimitives.WriteDoubleLittleEndian(buffer, d);
                _bytes.Write(buffer[..8]);
                break;
            case float f:
                BinaryPrimitives.WriteSingleLittleEndian(buffer, f);
                _bytes.Write(buffer[..4]);
                break;
            case decimal m:
                WriteString(m.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case string s:
                WriteString(s);
                break;
            case System.DateTime t:
                WriteVarint(t.ToBinary());
                break;
            case System.DateTimeOffset t:
                WriteVarint(t.UtcTicks);
                WriteVarint((long)t.Offset.TotalMinutes);
                break;
            case System.Guid g:
                g.TryWriteBytes(buffer);
                _bytes.Write(buffer);
                break;
            case System.TimeSpan t:
                WriteVarint(t.Ticks);
                break;
            case Request r:
                _bytes.Write(JsonSerializer.SerializeToUtf8Bytes(LoggedRequest.From(r), s_json));
                _bytes.WriteByte(0);   // JSON never contains a NUL: the end
                break;
            case IDictionary dictionary when IsDefaultComparer(value):
                WriteVarint(dictionary.Count);
                foreach (DictionaryEntry entry in dictionary)
                {
                    WriteValue(entry.Key);
                    WriteValue(entry.Value);
                }
                break;
            case IDictionary:
                throw new UnwritableException(Local, type, "a dictionary with its own comparer");
            case IList list when type.IsSZArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)):
                WriteVarint(list.Count);
                foreach (var item in list)
                {
                    WriteValue(item);
                }
                break;
            default:
                if (type.IsEnum)
                {
                    WriteVarint(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                }
                var locals = value is System.Runtime.CompilerServices.IAsyncStateMachine || type.Name.Contains("DisplayClass", StringComparison.Ordinal);
                foreach (var field in FrameTypes.Fields(type))
                {
                    if (locals)
                    {
                        Local = FrameTypes.UserName(field.Name);
                    }
                    if (typeof(Delegate).IsAssignableFrom(field.FieldType) && field.GetValue(value) is not null)
                    {
                        throw new UnwritableException(Local, field.FieldType, "a delegate");
                    }
                    WriteValue(field.GetValue(value));
                }
                break;
        }
    }

    private static readonly JsonSerializerOptions s_json = new();

    // <>z__ReadOnlyArray<T>, <>z__ReadOnlyList<T>, <>z__ReadOnlySingleElementList<T>: read-only, so a copy is the same value.
    private static Type? SynthesizedElementType(Type type)
        => type.IsGenericType && type.Name.StartsWith("<>z__ReadOnly", StringComparison.Ordinal) && type.GetGenericArguments() is [var element]
            && typeof(IEnumerable<>).MakeGenericType(element).IsAssignableFrom(type) ? element : null;

    private static bool IsDefaultComparer(object dictionary)
    {
        var comparer = dictionary.GetType().GetProperty("Comparer")!.GetValue(dictionary);
        var keyType = dictionary.GetType().GetGenericArguments()[0];
        var defaultComparer = typeof(EqualityComparer<>).MakeGenericType(keyType).GetProperty("Default")!.GetValue(null);
        return ReferenceEquals(comparer, defaultComparer);
    }
}

/// <summary>Bytes written in order (a growing array; nothing to dispose).</summary>
internal sealed class ByteSink
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Write(ReadOnlySpan<byte> values) => System.Buffers.BuffersExtensions.Write(_buffer, values);
}

/// <summary>A local of a stateless servlet holds something a URL cannot carry.</summary>
internal sealed class UnwritableException(string local, Type type, string? what = null)
    : Exception($"The local {local} holds {what ?? "a " + type.Name}, which a stateless link cannot carry.")
{
    public string Local { get; } = local;
    public Type Type { get; } = type;
}
