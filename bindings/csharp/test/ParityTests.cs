// The C# enums copy quiver.h's values by hand and the option classes mirror its
// structs: these tests read include/quiver/quiver.h (QUIVER_HEADER, set by CTest)
// and fail when they drift apart: a status, enum value or struct field added to
// the header and not here, renamed or renumbered.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static string Header()
    {
        var path = Environment.GetEnvironmentVariable("QUIVER_HEADER");
        if (string.IsNullOrEmpty(path)) path = Path.Combine("..", "..", "include", "quiver", "quiver.h");
        return File.ReadAllText(path);
    }

    static string StripComments(string s) => Regex.Replace(s, @"/\*.*?\*/", "", RegexOptions.Singleline);

    // The enumerators of `typedef enum name { ... }` with their values, in order.
    static List<KeyValuePair<string, int>> HeaderEnum(string header, string name)
    {
        var m = Regex.Match(header, @"typedef enum " + name + @" \{(.*?)\}", RegexOptions.Singleline);
        Check(m.Success, "quiver.h has no enum " + name);
        var list = new List<KeyValuePair<string, int>>();
        int next = 0;
        foreach (var raw in StripComments(m.Groups[1].Value).Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0) continue;
            var parts = item.Split(new[] { '=' }, 2);
            if (parts.Length == 2) next = int.Parse(parts[1].Trim());
            list.Add(new KeyValuePair<string, int>(parts[0].Trim(), next++));
        }
        return list;
    }

    // The field names of `typedef struct name { ... } name;`, in order.
    static List<string> HeaderStruct(string header, string name)
    {
        var m = Regex.Match(header, @"typedef struct " + name + @" \{(.*?)\} " + name + ";", RegexOptions.Singleline);
        Check(m.Success, "quiver.h has no struct " + name);
        var list = new List<string>();
        foreach (var raw in StripComments(m.Groups[1].Value).Split(';'))
        {
            var decl = raw.Trim();
            if (decl.Length == 0) continue;
            var fp = Regex.Match(decl, @"\(\s*\*\s*(\w+)\s*\)");
            list.Add(fp.Success ? fp.Groups[1].Value : Regex.Match(decl, @"(\w+)\s*$").Groups[1].Value);
        }
        return list;
    }

    // QV_ERR_INVALID_ARGUMENT, InvalidArgument -> INVALIDARGUMENT.
    static string Norm(string s) => s.Replace("_", "").ToUpperInvariant();

    static void SameEnum(string header, string cName, Func<string, string> strip, Type type)
    {
        var want = HeaderEnum(header, cName).Select(kv => $"{Norm(strip(kv.Key))}={kv.Value}").ToList();
        var have = Enum.GetValues(type).Cast<object>()
            .Select(v => $"{Norm(Enum.GetName(type, v))}={Convert.ToInt32(v)}").ToList();
        Check(want.SequenceEqual(have),
              $"{cName} in quiver.h [{string.Join(", ", want)}] vs {type.Name} [{string.Join(", ", have)}]");
    }

    public static void TestParityStatusesAndEnums()
    {
        var h = Header();
        SameEnum(h, "qv_status", s => s == "QV_OK" ? "OK" : s.Substring("QV_ERR_".Length), typeof(Status));
        SameEnum(h, "qv_metric", s => s.Substring("QV_METRIC_".Length), typeof(Metric));
        SameEnum(h, "qv_index_kind", s => s.Substring("QV_INDEX_".Length), typeof(IndexKind));
        SameEnum(h, "qv_storage", s => s.Substring("QV_STORAGE_".Length), typeof(Storage));
        SameEnum(h, "qv_open_mode", s => s.Substring("QV_OPEN_".Length), typeof(OpenMode));
        SameEnum(h, "qv_verify_mode", s => s.Substring("QV_VERIFY_".Length), typeof(VerifyMode));
        SameEnum(h, "qv_chunk_unit", s => s.Substring("QV_CHUNK_".Length), typeof(ChunkUnit));
        SameEnum(h, "qv_embed_task", s => s.Substring("QV_EMBED_".Length), typeof(EmbedTask));
    }

    // Every field of the C struct (but struct_size and renamed ones) is a property of the class.
    static void SameFields(string header, string cName, Type type, params string[] renamed)
    {
        var map = new Dictionary<string, string>();
        for (int i = 0; i + 1 < renamed.Length; i += 2) map[renamed[i]] = renamed[i + 1];
        var props = new HashSet<string>(type.GetProperties().Select(p => Norm(p.Name)));
        foreach (var f in HeaderStruct(header, cName))
        {
            if (f == "struct_size") continue;
            var want = map.ContainsKey(f) ? map[f] : f;
            Check(props.Contains(Norm(want)), $"{cName}.{f} has no C# counterpart in {type.Name}");
        }
    }

    public static void TestParityStructFields()
    {
        var h = Header();
        SameFields(h, "qv_index_options", typeof(IndexOptions));
        SameFields(h, "qv_search_params", typeof(SearchOptions), "filter_user", "Filter");
        SameFields(h, "qv_open_options", typeof(OpenOptions));
        SameFields(h, "qv_save_options", typeof(SaveOptions));
        SameFields(h, "qv_index_info", typeof(IndexInfo));
        SameFields(h, "qv_text_options", typeof(TextOptions));
        SameFields(h, "qv_gemini_options", typeof(GeminiOptions));
    }

    // quiver.h's calls that the raw layer (bindings/swig/quiver.i) does not call, each for a
    // reason: everything else in the header must be called there, so that a new call cannot be
    // left out.
    static readonly Dictionary<string, string> NotInSwig = new Dictionary<string, string>
    {
        ["qv_metric_name"] = "Metric, IndexKind and Storage carry their own names",
        ["qv_index_kind_name"] = "as qv_metric_name",
        ["qv_storage_name"] = "as qv_metric_name",
        ["qv_index_options_init_sized"] = "called by its macro qv_index_options_init",
        ["qv_search_params_init_sized"] = "called by its macro qv_search_params_init",
        ["qv_index_info_init_sized"] = "qvs_index_get_info sets struct_size itself",
        ["qv_embedder_embed"] = "qv_embedder_embed_ex is its general form",
        ["qv_index_add_text"] = "qv_index_add_texts with one text",
        ["qv_index_search_text"] = "qv_index_search_text_ex with the chunk keys too",
        ["qv_index_get_metadata"] = "qv_index_copy_metadata: a copy under the index's lock, safe alongside changes",
        ["qv_index_get_document"] = "qv_index_copy_document: a copy under the table's lock, safe alongside upserts",
    };

    public static void TestParityEveryCallOfTheHeaderIsInTheRawLayer()
    {
        var headerPath = Environment.GetEnvironmentVariable("QUIVER_HEADER");
        if (string.IsNullOrEmpty(headerPath)) headerPath = Path.Combine("..", "..", "include", "quiver", "quiver.h");
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(headerPath))));
        var raw = StripComments(File.ReadAllText(Path.Combine(root, "bindings", "swig", "quiver.i")));
        var calls = Regex.Matches(StripComments(Header()), @"QV_API\s+[^;(]*?\b(qv_\w+)\s*\(")
            .Cast<Match>().Select(m => m.Groups[1].Value).ToList();
        Check(calls.Contains("qv_index_upsert_text"), "the header's calls were not found");
        var missing = calls.Where(f => !NotInSwig.ContainsKey(f) && !Regex.IsMatch(raw, @"\b" + f + @"\s*\(")).ToList();
        Check(missing.Count == 0, "calls of quiver.h that quiver.i does not wrap: " + string.Join(", ", missing));
        foreach (var f in NotInSwig.Keys)
            Check(calls.Contains(f), f + " is exempted here but no longer in quiver.h");
    }

    public static void TestAssemblyIsVersionedAsTheLibrary()
    {
        var v = typeof(Index).Assembly.GetName().Version;
        var lib = QuiverLibrary.Version.Split('.', '-');
        Check(v.Major == int.Parse(lib[0]) && v.Minor == int.Parse(lib[1]) && v.Build == int.Parse(lib[2]),
              $"Quiver.dll {v} vs libquiver {QuiverLibrary.Version}");
        var info = typeof(Index).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>();
        Check(info != null && info.InformationalVersion.StartsWith(QuiverLibrary.Version.Split('-')[0]), "informational version");
    }
}
