using System.Collections.Frozen;

namespace VanguardHub.Contracts.Catalog;

/// <summary>A named thing with a stable ASCII code and Chinese and English names.</summary>
public sealed record CatalogEntry(string Code, string NameZh, string NameEn);

/// <summary>The seven fields the service teams work in, as the source text lists them.</summary>
public static class ServiceDomains
{
    public static readonly IReadOnlyList<CatalogEntry> All =
    [
        new("industry", "产业培育", "Industry cultivation"),
        new("investment", "招商引资", "Investment promotion"),
        new("business-environment", "营商环境优化", "Business environment"),
        new("urban", "城市建设管理", "Urban construction and management"),
        new("ecology", "生态环境保护", "Ecological protection"),
        new("governance", "基层社会治理", "Grassroots governance"),
        new("livelihood", "保障改善民生", "People's livelihood"),
    ];

    private static readonly FrozenDictionary<string, CatalogEntry> ByCode = All.ToFrozenDictionary(d => d.Code);

    public static bool IsKnown(string? code) => code is not null && ByCode.ContainsKey(code);

    public static CatalogEntry? Find(string code) => ByCode.GetValueOrDefault(code);
}

/// <summary>Kunming's 14 county-level divisions and the Mohan border town it administers.</summary>
public static class Districts
{
    public static readonly IReadOnlyList<CatalogEntry> All =
    [
        new("wuhua", "五华区", "Wuhua"),
        new("panlong", "盘龙区", "Panlong"),
        new("guandu", "官渡区", "Guandu"),
        new("xishan", "西山区", "Xishan"),
        new("chenggong", "呈贡区", "Chenggong"),
        new("jinning", "晋宁区", "Jinning"),
        new("dongchuan", "东川区", "Dongchuan"),
        new("anning", "安宁市", "Anning"),
        new("fumin", "富民县", "Fumin"),
        new("yiliang", "宜良县", "Yiliang"),
        new("shilin", "石林彝族自治县", "Shilin"),
        new("songming", "嵩明县", "Songming"),
        new("luquan", "禄劝彝族苗族自治县", "Luquan"),
        new("xundian", "寻甸回族彝族自治县", "Xundian"),
        new("mohan", "磨憨镇", "Mohan"),
    ];

    private static readonly FrozenDictionary<string, CatalogEntry> ByCode = All.ToFrozenDictionary(d => d.Code);

    public static bool IsKnown(string? code) => code is not null && ByCode.ContainsKey(code);

    public static CatalogEntry? Find(string code) => ByCode.GetValueOrDefault(code);
}
