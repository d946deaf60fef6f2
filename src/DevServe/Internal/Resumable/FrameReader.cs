using System.Buffers.Binary;
using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace DevServe.Internal;

/// <summary>
/// Reads what <see cref="FrameWriter"/> wrote, after the stuffer has checked the signature. Makes only what
/// <see cref="FrameTypes"/> allows, without running constructors, within bounds on objects, depth and lengths.
/// </summary>
internal sealed class FrameReader(byte[] bytes, Assembly servlet, object? root, Request now)
{
    private const int MaxObjects = 20_000, MaxDepth = 64;
    private int _at;
    private int _depth;
    private readonly List<object> _seen = [];
    private readonly List<Type> _types = [];

    public bool AtEnd => _at >= bytes.Length;

    public byte ReadByte() => _at < bytes.Length ? bytes[_at++] : throw Bad("it ends too soon");

    public long ReadVarint()
    {
        ulong v = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 63)
            {
                throw Bad("a number is too long");
            }
            var b = ReadByte();
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }
        }
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public int ReadLength()
    {
        var n = ReadVarint();
        return n < 0 || n > bytes.Length - _at ? throw Bad("a length is out of range") : (int)n;
    }

    public string ReadString()
    {
        var n = ReadLength();
        var s = Encoding.UTF8.GetString(bytes, _at, n);
        _at += n;
        return s;
    }

    public byte[] ReadRaw(int n) => Take(n).ToArray();

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > bytes.Length - _at)
        {
            throw Bad("it ends too soon");
        }
        _at += n;
        return bytes.AsSpan(_at - n, n);
    }

    public Type ReadType() => ReadType(ReadByte());

    private Type ReadType(byte id)
    {
        if (++_depth > MaxDepth)
        {
            throw Bad("its types nest too deep");
        }
        try
        {
            return ReadTypeAt(id);
        }
        finally
        {
            _depth--;
        }
    }

    private Type ReadTypeAt(byte id)
    {
        switch (id)
        {
            case FrameTypes.ListId:
                return typeof(List<>).MakeGenericType(ReadType());
            case FrameTypes.DictionaryId:
                var key = ReadType();
                return typeof(Dictionary<,>).MakeGenericType(key, ReadType());
            case FrameTypes.ArrayId:
                return ReadType().MakeArrayType();
            case FrameTypes.KnownUser:
                var index = ReadVarint();
                return index >= 0 && index < _types.Count ? _types[(int)index] : throw Bad("it names a type it did not define");
            case FrameTypes.NewUser:
                var typeId = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
                var fingerprint = Take(8).ToArray();
                // Only the servlet's own types are searched, never Type.GetType.
                var type = FrameTypes.UserType(servlet, typeId) ?? throw new StaleFrameException("a method of this page", changed: false);
                if (!FrameTypes.Fingerprint(type).AsSpan().SequenceEqual(fingerprint))
                {
                    throw new StaleFrameException(FrameTypes.MethodOf(type), changed: true);
                }
                _types.Add(type);
                return type;
            default:
                return FrameTypes.Builtin(id) ?? throw Bad($"type id {id} is not one DevServe writes");
        }
    }

    public object? ReadValue()
    {
        var id = ReadByte();
        switch (id)
        {
            case FrameTypes.Null:
                return null;
            case FrameTypes.Root:
                return root ?? throw Bad("it refers to a servlet object this servlet does not have");
            case FrameTypes.Back:
                var index = ReadVarint();
                return index >= 0 && index < _seen.Count ? _seen[(int)index] : throw Bad("a back-reference points nowhere");
        }
        var type = ReadType(id);
        if (++_depth > MaxDepth)
        {
            throw Bad("it nests too deep");
        }
        try
        {
            return ReadPayload(type);
        }
        finally
        {
            _depth--;
        }
    }

    private object Seen(object value)
    {
        if (_seen.Count >= MaxObjects)
        {
            throw Bad("it holds too many objects");
        }
        _seen.Add(value);
        return value;
    }

    private object ReadPayload(Type type)
    {
        if (type == typeof(bool))
        {
            return ReadByte() != 0;
        }
        if (type == typeof(byte))
        {
            return ReadByte();
        }
        if (type == typeof(char))
        {
            return checked((char)ReadVarint());
        }
        if (type == typeof(short) || type == typeof(int) || type == typeof(long) || type == typeof(uint))
        {
            return Convert.ChangeType(ReadVarint(), type, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (type == typeof(ulong))
        {
            return BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        }
        if (type == typeof(double))
        {
            return BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
        }
        if (type == typeof(float))
        {
            return BinaryPrimitives.ReadSingleLittleEndian(Take(4));
        }
        if (type == typeof(decimal))
        {
            return decimal.Parse(ReadString(), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (type == typeof(string))
        {
            return ReadString();
        }
        if (type == typeof(DateTime))
        {
            return DateTime.FromBinary(ReadVarint());
        }
        if (type == typeof(DateTimeOffset))
        {
            var ticks = ReadVarint();
            return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(ReadVarint()));
        }
        if (type == typeof(Guid))
        {
            return new Guid(Take(16));
        }
        if (type == typeof(TimeSpan))
        {
            return new TimeSpan(ReadVarint());
        }
        if (type == typeof(Request))
        {
            var end = Array.IndexOf(bytes, (byte)0, _at);
            if (end < 0)
            {
                throw Bad("a request does not end");
            }
            var logged = JsonSerializer.Deserialize<LoggedRequest>(bytes.AsSpan(_at, end - _at));
            _at = end + 1;
            return logged is not null && logged.IsWellFormed() ? Seen(logged.ToRequest(now)) : throw Bad("a request is malformed");
        }
        if (type.IsSZArray)
        {
            var array = Array.CreateInstance(type.GetElementType()!, ReadLength());
            Seen(array);
            for (var i = 0; i < array.Length; i++)
            {
                array.SetValue(ReadValue(), i);
            }
            return array;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var count = ReadLength();
            var list = (IList)Activator.CreateInstance(type, count)!;
            Seen(list);
            for (var i = 0; i < count; i++)
            {
                list.Add(ReadValue());
            }
            return list;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var count = ReadLength();
            var dictionary = (IDictionary)Activator.CreateInstance(type)!;
            Seen(dictionary);
            for (var i = 0; i < count; i++)
            {
                dictionary[ReadValue() ?? throw Bad("a dictionary key is null")] = ReadValue();
            }
            return dictionary;
        }
        if (type.IsEnum)
        {
            return Enum.ToObject(type, ReadVarint());
        }
        // A servlet type: made without running its constructor, then its fields set (a struct is set boxed).
        var value = RuntimeHelpers.GetUninitializedObject(type);
        if (!type.IsValueType)
        {
            Seen(value);
        }
        foreach (var field in FrameTypes.Fields(type))
        {
            var read = ReadValue();
            if (read is not null && !field.FieldType.IsInstanceOfType(read))
            {
                throw Bad($"{field.Name} of {type.Name} gets a {read.GetType().Name}");
            }
            field.SetValue(value, read);
        }
        return value;
    }

    public static InvalidTokenException Bad(string why) => new(why);
}

/// <summary>A signed token that does not read back (another DevServe version's, or a bug): an invalid link, nothing runs.</summary>
internal sealed class InvalidTokenException(string why) : Exception("The link's continuation does not read back: " + why + ".");

/// <summary>A token made by code that has changed since: the method it names is not the one running now.</summary>
internal sealed class StaleFrameException(string method, bool changed)
    : Exception(changed ? $"{method} has changed since this page was made" : $"{method} no longer exists")
{
    public string Method { get; } = method;
}
