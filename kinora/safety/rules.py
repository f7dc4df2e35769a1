"""Rules and word lists: the first layer of prompt moderation, exact and explainable.

Rules read the normalized prompt (`normalize.normalize`), so evasions are already undone. They only block what is
unambiguous ("dismembered", "pipe bomb", a minor together with a sexual term); paraphrases and euphemisms are the
classifier's job. Benign idioms that contain a risky word ("a shot of whiskey", "kill the lights", "chicken
breast") are blanked out before any rule reads the text, which is how "shot" or "kill" can stay out of the lists'
way without being listed as allowed words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kinora.safety.policy import ALLOW, Verdict

VERSION = "rules-1"

# Idioms that look risky and are not. Blanked before matching (whole phrases only).
_BENIGN = [
    r"shots? of (?:whiskey|whisky|vodka|tequila|rum|gin|espresso|coffee|bourbon|scotch|liquor|wheatgrass)",
    r"kill(?:s|ed)? the (?:lights?|engine|music|motor|power)", r"kill(?:ed|ing) it",
    r"killer (?:whale|app|heels|smile)",
    r"bloody mary", r"chicken breasts?", r"turkey breasts?", r"duck breasts?", r"breast ?stroke",
    r"breast cancer(?: awareness)?",
    r"naked (?:mole[- ]rats?|eye|flame|truth|ambition|branch(?:es)?|trees?|walls?|(?:light ?)?bulbs?|concrete|"
    r"steel|brick)",
    r"nude (?:lipstick|tones?|colou?r(?:ed)?|heels|palette|makeup|shade)",
    r"photo ?(?:shoot|bomb)s?", r"bath ?bombs?", r"da bomb", r"bomb(?:ed)? (?:the|my|his|her) (?:test|exam)",
    r"(?:shoot|shooting|shoots|shot) (?:a |the |some )?(?:film|movie|video|photos?|pictures?|hoops|baskets?|scene|"
    r"wedding|footage|documentary|commercial|music video|portrait|stars?|the breeze)",
    r"(?:drag queens?|queen bees?)", r"suicide (?:prevention|awareness|hotline|helpline)",
    r"(?:cut|cutting|cuts) (?:the |a )?(?:cake|ribbon|hair|paper|vegetables|onions?|wood|grass|lawn)",
    r"execut(?:e|es|ed|ing) (?:a |the )?(?:plan|trick|jump|move|dance|routine|code|program|order)",
    r"dying (?:of laughter|to (?:see|try|know))", r"to die for",
    r"slay(?:s|ed|ing)? (?:the|this) (?:look|outfit|stage)",
    r"bloody (?:nose from|good|brilliant|hell)", r"strip (?:of (?:bacon|land|paper|film|lights?)|mall|steak)",
    r"comic strips?", r"(?:no|without|zero|not any|free of) (?:gore|blood|violence|nudity|weapons)",
    r"(?:dragon|bubble|gun) ?(?:fire|fighting|bath)", r"water ?gun fight", r"nerf guns?",
]
_BENIGN_RE = re.compile(r"\b(?:" + "|".join(_BENIGN) + r")\b")

_MINOR = (r"(?:child|children|kid|kids|minor|minors|underage|under-age|preteens?|pre-teens?|tweens?|teens?|teenage|"
          r"teenagers?|schoolgirls?|schoolboys?|school ?girls?|school ?boys?|little (?:girl|boy)s?|"
          r"young (?:girl|boy)s?|"
          r"toddlers?|infants?|bab(?:y|ies)|middle schoolers?|high schoolers?|child brides?|"
          r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|\d{1,2}(?:st|nd|rd|th)) "
          r"graders?|"
          r"(?:[1-9]|1[0-7])[- ]?(?:years?|yrs?|yo)(?:[- ]old)?|"
          r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)[- ]years?[- ]old)")
_STRONG_SEXUAL = (r"(?:nude|nudes|nudity|naked|undress\w*|sex|sexual\w*|erotic\w*|lingerie|strip(?:s|ping|ped|per|"
                  r"tease)?|topless|bottomless|porn\w*|nsfw|without (?:any |her |his |their )?clothes|no clothes|"
                  r"(?:takes?|taking|took) off (?:all )?(?:her|his|their) clothes|in (?:her|his|their) underwear|"
                  r"fondl\w*|molest\w*|grop\w*|lewd|hentai|fetish\w*|private parts|wedding night)")
_WEAK_SEXUAL = r"(?:sexy|spicy|provocative\w*|sensual\w*|seductive\w*|bedroom eyes|intimate|make ?out|making out)"


def _near(a: str, b: str) -> re.Pattern[str]:
    # A bounded window: near enough to be about the same subject, and linear time on a 32k-character prompt.
    return re.compile(rf"\b{a}\b.{{0,120}}\b{b}\b|\b{b}\b.{{0,120}}\b{a}\b")


# A minor with any sexual word; "girl"/"boy" (often said of adults) only with an explicit one and no adult cue.
_MINOR_SEXUAL = _near(_MINOR, f"(?:{_STRONG_SEXUAL}|{_WEAK_SEXUAL})")
_YOUNG_EXPLICIT = _near(r"(?:girls?|boys?)", _STRONG_SEXUAL)
_ADULT = re.compile(r"\b(?:adult|adults|grown|(?:1[89]|[2-9]\d)[- ]?(?:years?|yrs?|yo)(?:[- ]old)?|woman|women|man|men|"
                    r"lady|ladies|wife|husband|mom|dad|mother|father|couple)\b")

_GROUP = (r"(?:jews?|jewish people|muslims?|christians?|blacks?|black people|whites?|white people|asians?|mexicans?|"
          r"immigrants?|migrants?|gays?|gay people|lesbians?|trans people|transgender people|women|arabs?|africans?|"
          r"indians?|chinese|gypsies|roma|disabled people|hindus?|sikhs?|refugees?|latinos?|hispanics?|catholics?|"
          r"homosexuals?|autistic people|jamaicans?|nigerians?|pakistanis?|palestinians?|israelis?|koreans?|"
          r"japanese|filipinos?|irish|poles|russians?|ukrainians?|native americans?|aboriginals?|queer people)")
_DEHUMANIZE = (r"(?:subhuman\w*|vermin|cockroach\w*|parasites?|rats|apes|monkeys|animals|inferior|savages?|"
               r"a disease|a plague|filth|trash|scum|should (?:all )?(?:die|be (?:killed|exterminated|gassed|deported|"
               r"wiped out|eradicated))|deserve to die|(?:are|as) (?:all )?(?:criminals|terrorists|rapists|thieves|"
               r"pedophiles))")

RULES: dict[str, list[str]] = {
    "sexual_minors": [r"lolis?|lolita|shotacon|shota|jailbait|cp video|child porn\w*|pedo\w*|paedo\w*|csam"],
    "sexual": [
        r"porn\w*|xxx|hardcore|blowjobs?|handjobs?|orgasm\w*|masturbat\w*|genitals?|genitalia|penis|vagina|"
        r"clitoris|dildos?|cumshot|creampie|hentai|onlyfans|only fans|sex tape|sex scene|having sex|"
        r"sexual intercourse|intercourse|strip ?tease|striptease|strippers?|strip club|naked|nude|nudes|nudity|"
        r"topless|bottomless|bdsm|erotic\w*|gangbang|threesome|nipples?|boobs|tits|butt naked|x-rated|x rated|"
        r"(?:takes?|taking) off (?:all )?(?:her|his|their) clothes|undress\w*|without (?:any )?clothes on|"
        r"lap ?dance|camgirl|cam girl|escort service|sexting|fucking|rimming|69 position"],
    "violence": [
        r"gore|gory|gorefest|dismember\w*|decapitat\w*|behead\w*|disembowel\w*|eviscerat\w*|mutilat\w*|"
        r"snuff (?:film|video)|bloodbath|blood bath|massacr\w*|execution (?:video|style)|"
        r"(?:slit|slits|slitting|cut|cuts|cutting) (?:his|her|their|the (?:man's|woman's|guard's|victim's)|a) throat|"
        r"torture[ds]? (?:a|the|him|her|them|people|prisoners?|hostages?|animals?|puppies|cats?|dogs?|victims?)|"
        r"torturing|(?:blow|blows|blowing|blew) (?:his|her|their) (?:brains|head) (?:out|off)|brains? splatter\w*|"
        r"guts (?:spill\w*|everywhere)|intestines|entrails|(?:skinn|flay)\w* (?:alive|a (?:man|woman|person))|"
        r"burn\w* (?:a |the )?(?:man|woman|person|people|child|baby|cat|dog|puppy|kitten) alive|"
        r"(?:stab|stabs|stabbing|stabbed|shoot|shoots|shooting|shot|kill|kills|killing|murder\w*|slaughter\w*) "
        r"(?:(?:a|the) )?(?:crowd|civilians|students|schoolchildren|children|kids|babies|hostages?|innocent people|"
        r"people|a man|a woman|someone|(?:his|her) (?:wife|husband|mother|father|family)) "
        r"(?:to death|repeatedly|in cold blood|execution|point blank|brutally|with blood)|"
        r"(?:brutal|graphic|bloody|gruesome|gory) (?:murder|killing|execution|death|stabbing|beating|violence|"
        r"mutilation|torture|dismemberment|decapitation|car crash victims?)|blood (?:spurt|gush|splatter)\w*|"
        r"(?:severed|chopped off|ripped off|torn off) (?:heads?|limbs?|arms?|legs?|fingers?)|"
        r"corpses? (?:being )?(?:eaten|mutilated|desecrated)|cannibal\w*|public hanging|gouge[ds]? out|gouging|"
        r"being tortured|tortured with|"
        r"chopp\w* off (?:a |the |his |her |their )?(?:\w+'s )?"
        r"(?:fingers?|hands?|heads?|limbs?|arms?|legs?|toes?|ears?)|"
        r"(?:puppy|puppies|kittens?|dogs?|cats?|seals?|horses?|animals?) (?:being )?(?:thrown into (?:a |the )?fire|"
        r"clubbed|skinned|set on fire|burned alive)|"
        r"(?:kick|kicks|kicking|beat|beats|beating|set|sets|setting|drown|drowns|drowning) (?:a |the )?"
        r"(?:puppy|kitten|dog|cat|horse) (?:to death|on fire|alive)"],
    "self_harm": [
        r"suicid\w*|self[- ]?harm\w*|kill(?:s|ing|ed)? (?:myself|himself|herself|themselves|yourself)|"
        r"(?:slit|slits|slitting|cut|cuts|cutting|slice|slicing) (?:my|his|her|their|your) (?:own )?wrists?|"
        r"(?:cut|cuts|cutting|hurt|hurts|hurting|burn|burns|burning) (?:myself|himself|herself|themselves|yourself)|"
        r"(?:hang|hangs|hanging|hanged) (?:myself|himself|herself|themselves|yourself)|overdos\w*|"
        r"(?:end|ends|ending|take|takes|taking) (?:my|his|her|their|your) (?:own )?life|unaliv\w*|"
        r"pro[- ]?ana|pro[- ]?mia|thinspo\w*|meanspo|(?:starv|starving) (?:myself|herself|himself|themselves)|"
        r"jump\w* (?:off|from) (?:a|the) (?:bridge|building|roof|cliff) to (?:die|end it)|noose around (?:my|his|her)|"
        r"want(?:s|ed)? to die|wanna die|end it all|nooses?|rope around (?:my|his|her|their|your) neck|"
        r"(?:step|steps|stepping|jump|jumps|jumping|walk|walks|walking) in front of (?:a|the) (?:train|bus|truck|car) "
        r"on purpose|fresh cuts|razor blades? .{0,30}(?:arms?|wrists?|thighs?|skin)|"
        r"(?:scratch|scratches|scratching|carv\w*|cut|cuts|cutting|slash\w*) (?:my|his|her|their|your) "
        r"(?:arms?|wrists?|thighs?|legs?|skin)|purg(?:e|es|ing) after (?:every|each) meal|starve until|"
        r"nobody would miss|swallow\w* (?:a |the )?(?:whole )?(?:bottle|handful) of (?:pills|"
        r"sleeping pills)"],
    "hate": [
        r"n[i1]gg(?:er|a|as|ers)|k[i1]kes?|sp[i1]cs?|ch[i1]nks?|f[a@]gg?ots?|trann(?:y|ies)|wetbacks?|ragheads?|"
        r"towelheads?|gooks?|sand ?n[i1]gg\w*|retards|heil hitler|gas the jews|holocaust (?:was a hoax|never "
        r"happened|didn'?t happen|is a lie)|white (?:power|supremac\w*)|race war|racial purity|ethnic cleansing|"
        r"the n-?word|master race|races? from superior to inferior|superior races?|inferior races?|hook(?:ed)? nose",
        rf"{_GROUP}\b.{{0,40}}\b{_DEHUMANIZE}", rf"{_DEHUMANIZE}\b.{{0,20}}\b{_GROUP}"],
    "extremism": [
        r"(?:isis|isil|islamic state|al[- ]?qaeda|al[- ]?shabaab|boko haram|hamas|hezbollah|taliban|kkk|ku klux klan|"
        r"neo[- ]?nazi\w*|nazi|atomwaffen|the base|proud boys|aryan brotherhood|hitler|bin laden|osama)\b"
        r".{0,60}\b(?:propaganda|recruit\w*|join us|glorif\w*|tribute|celebrat\w*|hero\w*|martyr\w*|praise\w*|"
        r"salute\w*|rally|victory|honou?r\w*|beheading|flags? (?:waving|raised)|anthem|jihad)",
        r"(?:propaganda|recruitment|recruiting|tribute|celebrat\w*|glorif\w*|praise|praising|honou?r\w*) "
        r".{0,40}\b(?:isis|isil|islamic state|al[- ]?qaeda|jihad\w*|taliban|kkk|ku klux klan|neo[- ]?nazi\w*|nazis?|"
        r"hitler|bin laden|terrorists?|terror attack|9/11 hijackers|mass shooters?|school shooters?|"
        r"(?:christchurch|columbine|uvalde|parkland|sandy hook|buffalo|el paso|utoya|oklahoma city|bataclan|"
        r"manchester arena|boston marathon|pulse nightclub|charleston church|pittsburgh synagogue|halle|nice truck) "
        r"(?:shooters?|bombers?|attackers?|killers?|shooting|massacre|attack|bombing))",
        r"sieg heil|14 ?88|white genocide|cross burning|burning (?:a |the )?cross|great replacement|"
        r"day of the rope|jihadi john|"
        r"(?:mass|school) shoot\w* (?:as|is) (?:a )?(?:heroic|hero|glorious|justified)|suicide bomb\w*|"
        r"(?:plan|planning|plot\w*) (?:a|an) (?:terror(?:ist)? )?attack on"],
    "harassment": [
        r"(?:my|our|his|her) (?:ex|ex-?(?:wife|husband|girlfriend|boyfriend)|classmates?|coworkers?|co-workers?|"
        r"teachers?|boss|neighbou?rs?|roommates?|step(?:mom|dad|sister|brother)|sister|brother|cousin|colleagues?|"
        r"manager|landlord|friend|best friend|crush|bully)\b.{0,60}\b(?:humiliat\w*|bull(?:y|ied|ying)|mock\w*|"
        r"ridicul\w*|embarrass\w*|beat(?:en|ing)? up|laugh\w* at|fat|ugly|loser|slut|whore|stupid|worthless|"
        r"threat\w*|expos\w*|dox\w*|home address|phone number|crying|pathetic|disgusting|pig|cow|freak)",
        r"(?:humiliat\w*|bull(?:y|ying)|mock\w*|ridicul\w*|embarrass\w*|dox\w*|expos\w*|shame|shaming) "
        r"(?:my|our) (?:ex|classmates?|coworkers?|co-workers?|teachers?|boss|neighbou?rs?|roommates?|colleagues?)",
        r"revenge (?:porn|video|clip)|(?:leak|post|share)\w* (?:her|his|their) (?:home )?address|"
        r"(?:dox|doxx)\w*|deepfake (?:of )?(?:my|our|a)"],
    "dangerous": [
        r"(?:make|makes|making|build|builds|building|assembl\w*|construct\w*|how to|recipe for|3d[- ]?print\w*) "
        r"(?:a |an |your own |homemade )?(?:pipe ?bombs?|bombs?|explosives?|ieds?|molotov\w*|napalm|"
        r"ghost guns?|silencers?|suppressors?|untraceable guns?|detonators?|nail bombs?|car bombs?|thermite|"
        r"nerve agents?|ricin|sarin|mustard gas|chlorine gas|anthrax|guns?|rifles?|firearms?|grenades?)",
        r"(?:cook|cooks|cooking|synthesi\w*|make|makes|making|brew\w*) (?:crystal )?"
        r"(?:meth|methamphetamine|fentanyl|heroin|crack cocaine|lsd|mdma|ecstasy|ricin|sarin)",
        r"(?:tide pod|detergent pod|blackout|choking|skull ?breaker|benadryl|fire|cinnamon|nutmeg|salt and ice) "
        r"challenge|(?:drunk|drink) driv\w*|driv\w* (?:drunk|while drunk|wasted|high)|"
        r"(?:set|sets|setting|torch|torches|torching) (?:a |the |my |his |her )?(?:house|school|car|building|church|"
        r"mosque|synagogue|store|neighbou?r'?s? \w+) (?:on fire|ablaze)|arson\w*|"
        r"(?:poison|poisons|poisoning|spike|spikes|spiking) (?:someone|somebody|a|the|her|his|my) ?\w* ?"
        r"(?:drink|food|coffee|water)|roofie\w*|date rape drug|"
        r"(?:train|subway|roof|car) surfing|(?:eat|eats|eating|ate) (?:tide|detergent|laundry) pods|ricin|"
        r"convert\w* .{0,30}(?:to|into) (?:full[- ]auto|automatic)|auto sears?|bump stocks?|"
        r"tasers? .{0,40}(?:on|at) (?:a |my |his |her )?(?:sleeping|unsuspecting)|"
        r"(?:set|sets|setting) fire to (?:a |the |my |his |her )?(?:neighbou?r'?s?|house|school|car|building)|"
        r"playing chicken on (?:the )?(?:train )?tracks|(?:huff|huffing|sniff|sniffing) (?:glue|paint|gas|aerosol)"],
}

_COMPILED = {category: re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b")
             for category, patterns in RULES.items()}


@dataclass(frozen=True)
class Hit:
    category: str
    term: str


def benign_blanked(text: str) -> str:
    """`text` with each benign idiom replaced by "something" (rules, registry and classifier read this): the risky
    word is gone, and the sentence still reads as a sentence, so the classifier does not score a stump."""
    return _BENIGN_RE.sub("something", text)


def find(text: str) -> Hit | None:
    """The first rule `text` (normalized, benign idioms blanked) breaks, most severe category first."""
    minor = _MINOR_SEXUAL.search(text) or (None if _ADULT.search(text) else _YOUNG_EXPLICIT.search(text))
    if minor:
        return Hit("sexual_minors", minor.group(0)[:80])
    for category, pattern in _COMPILED.items():
        match = pattern.search(text)
        if match:
            return Hit(category, match.group(0)[:80])
    return None


def check(text: str) -> Verdict:
    """The rules' verdict on a normalized prompt."""
    hit = find(benign_blanked(text))
    if hit is None:
        return ALLOW
    return Verdict("block", hit.category, "rules", f"matched {hit.term!r}", {hit.category: 1.0},
                   versions={"rules": VERSION})
