using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace DevServe.Internal;

/// <summary>
/// What a stateless token may hold, and how each type is written: the fixed allow-list of framework types (by small
/// ids), and the servlet's own types (by name, found only in the servlet's assembly, each with a fingerprint of its
/// fields and, for a method's state machine, of its code).
/// </summary>
/// <remarks>
/// Nothing here ever names a type freely (no <c>Type.GetType</c> on token text): a servlet type is looked up in the
/// servlet's own assembly, and must not have a finalizer or a base class from elsewhere.
/// </remarks>
internal static class FrameTypes
{
    /// <summary>Built-in type ids (the token's first byte for a value). User types follow <see cref="FirstUser"/>.</summary>
    public const byte Null = 0, Back = 1, Root = 2, Bool = 3, Byte = 4, Char = 5, Int16 = 6, Int32 = 7, Int64 = 8, Double = 9, Single = 10,
        Decimal = 11, String = 12, DateTime = 13, DateTimeOffset = 14, Guid = 15, TimeSpan = 16, RequestId = 17, ListId = 18,
        DictionaryId = 19, ArrayId = 20, UInt32 = 21, UInt64 = 22, NewUser = 30, KnownUser = 31, FirstUser = 32;

    private static readonly Dictionary<Type, byte> s_builtins = new()
    {
        [typeof(bool)] = Bool, [typeof(byte)] = Byte, [typeof(char)] = Char, [typeof(short)] = Int16, [typeof(int)] = Int32,
        [typeof(long)] = Int64, [typeof(double)] = Double, [typeof(float)] = Single, [typeof(decimal)] = Decimal, [typeof(string)] = String,
        [typeof(System.DateTime)] = DateTime, [typeof(System.DateTimeOffset)] = DateTimeOffset, [typeof(System.Guid)] = Guid,
        [typeof(System.TimeSpan)] = TimeSpan, [typeof(Request)] = RequestId, [typeof(uint)] = UInt32, [typeof(ulong)] = UInt64,
    };

    private static readonly Dictionary<byte, Type> s_byId = s_builtins.ToDictionary(p => p.Value, p => p.Key);

    public static bool TryBuiltin(Type type, out byte id) => s_builtins.TryGetValue(type, out id);

    public static Type? Builtin(byte id) => s_byId.GetValueOrDefault(id);

    // Weak: the servlet's types live in load contexts that unload on reload.
    private static readonly ConditionalWeakTable<Type, FieldInfo[]> s_fields = new();
    private static readonly ConditionalWeakTable<Type, byte[]> s_fingerprints = new();

    /// <summary>
    /// The fields written for <paramref name="type"/>, in a stable order (by name). Not written: the builder and the
    /// awaiters of a state machine (rebuilt when it is resumed) and lambdas a closure caches (made again).
    /// </summary>
    public static FieldInfo[] Fields(Type type) => s_fields.GetValue(type, t => [.. t
        .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        .Where(f => !IsRebuilt(f))
        .OrderBy(f => f.Name, StringComparer.Ordinal)]);

    private static bool IsRebuilt(FieldInfo field)
        => field.FieldType == typeof(ResumableTaskMethodBuilder)
            || (field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(ResumableTaskMethodBuilder<>))
            || field.FieldType.Namespace == "System.Runtime.CompilerServices"   // awaiters
            || (field.Name.StartsWith("<>9__", StringComparison.Ordinal) && typeof(Delegate).IsAssignableFrom(field.FieldType));

    private static readonly ConditionalWeakTable<Assembly, Dictionary<uint, Type>> s_userTypes = new();

    /// <summary>A servlet type's id in tokens: 4 bytes of a hash of its full name (compact; names dominated small tokens).</summary>
    public static uint TypeId(Type type) => BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(type.FullName!)));

    /// <summary>The servlet's own type with <paramref name="id"/>, looked up among that assembly's types only; <c>null</c> when none (or two) has it.</summary>
    public static Type? UserType(Assembly servlet, uint id) => s_userTypes.GetValue(servlet, a =>
    {
        var byId = new Dictionary<uint, Type>();
        var clashes = new HashSet<uint>();
        foreach (var type in a.GetTypes().Where(t => IsAllowedUserType(t, a)))
        {
            if (!byId.TryAdd(TypeId(type), type))
            {
                clashes.Add(TypeId(type));
            }
        }
        foreach (var clash in clashes)
        {
            byId.Remove(clash);   // never guess between two
        }
        return byId;
    }).GetValueOrDefault(id);

    /// <summary>Whether a servlet's own type may be made from a token.</summary>
    public static bool IsAllowedUserType(Type type, Assembly servlet)
        => type.Assembly == servlet && !type.IsAbstract && !type.IsInterface && !typeof(Delegate).IsAssignableFrom(type)
            && (type.IsValueType || type.BaseType == typeof(object) || (type.BaseType is { } b && IsAllowedUserType(b, servlet)))
            && type.GetMethod("Finalize", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) is null
            && !type.ContainsGenericParameters;

    /// <summary>
    /// 8 bytes that change when the type's fields change, or (for a method's state machine) its code: a URL made by
    /// other code is refused rather than resumed into it. Member references in the code count by name, not by
    /// metadata token, so an edit elsewhere in the file leaves it alone.
    /// </summary>
    public static byte[] Fingerprint(Type type) => s_fingerprints.GetValue(type, t =>
    {
        var text = new StringBuilder(t.FullName);
        foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append('|').Append(field.Name).Append(':').Append(field.FieldType.FullName);
        }
        if (typeof(IAsyncStateMachine).IsAssignableFrom(t) && t.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { } moveNext)
        {
            text.Append("|code:").Append(CodeText(moveNext));
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))[..8];
    });

    private static readonly ConditionalWeakTable<MethodInfo, byte[]> s_methodFingerprints = new();

    /// <summary>8 bytes that change when the method's code changes (an embedded handler's lambda).</summary>
    public static byte[] Fingerprint(MethodInfo method) => s_methodFingerprints.GetValue(method,
        m => SHA256.HashData(Encoding.UTF8.GetBytes(m.DeclaringType?.FullName + "::" + m + "|" + CodeText(m)))[..8]);

    /// <summary>A handler's name for messages: the method whose lambda it is (<c>Start</c> for <c>&lt;Start&gt;b__0_1</c>).</summary>
    public static string HandlerName(MethodInfo method)
        => UserName(method.Name) is var user && user != method.Name ? $"a handler in {user}" : method.Name;

    /// <summary>The method a state machine runs, for messages: <c>Start</c> for <c>&lt;Start&gt;d__0</c>.</summary>
    public static string MethodOf(Type type) => UserName(type.Name);

    /// <summary>
    /// The user's name inside a compiler-made one: <c>Start</c> for <c>&lt;Start&gt;d__0</c>, <c>file</c> for the field
    /// <c>&lt;file&gt;5__2</c>; a name the compiler did not make, as it is.
    /// </summary>
    public static string UserName(string name)
    {
        // A local function (<Start>g__Render|0_3), or something inside one (<<Start>g__Render|0_3>b__2): its own name.
        if (name.LastIndexOf(">g__", StringComparison.Ordinal) is >= 0 and var local)
        {
            var rest = name[(local + 4)..];
            return rest.IndexOf('|', StringComparison.Ordinal) is > 0 and var bar ? rest[..bar] : rest;
        }
        var trimmed = name.TrimStart('<');
        return name.StartsWith('<') && trimmed.IndexOf('>', StringComparison.Ordinal) is > 0 and var end ? trimmed[..end] : name;
    }

    private static readonly Lazy<Dictionary<short, OpCode>> s_opCodes = new(() => typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value));

    // The IL with each token replaced by what it names.
    private static string CodeText(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var module = method.Module;
        var text = new StringBuilder();
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE && i + 1 < il.Length ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += value > 0xFF || value < 0 ? 2 : 1;
            if (!s_opCodes.Value.TryGetValue(value, out var op))
            {
                text.Append('?');
                continue;
            }
            text.Append(op.Name).Append(' ');
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    text.Append(il[i]);
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    text.Append(BitConverter.ToInt16(il, i));
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    text.Append(BitConverter.ToInt64(il, i));
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, i);
                    text.Append(Convert.ToHexString(il, i, 4 + (4 * count)));
                    i += 4 + (4 * count);
                    break;
                case OperandType.InlineString:
                    text.Append(module.ResolveString(BitConverter.ToInt32(il, i)));
                    i += 4;
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    text.Append(Named(module, BitConverter.ToInt32(il, i)));
                    i += 4;
                    break;
                default:   // InlineBrTarget, InlineI, ShortInlineR, InlineSig
                    text.Append(BitConverter.ToInt32(il, i));
                    i += 4;
                    break;
            }
            text.Append(';');
        }
        return text.ToString();
    }

    private static string Named(Module module, int token)
    {
        try
        {
            return module.ResolveMember(token) switch
            {
                Type t => t.FullName ?? t.Name,
                MemberInfo m => m.DeclaringType?.FullName + "::" + m,
                _ => "",
            };
        }
        catch (ArgumentException)
        {
            return token.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
