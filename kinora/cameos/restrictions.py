"""A cameo owner's plain-language restrictions ("no political content", "never make me say swear words"), checked
against every prompt (and, later, every speech transcript) that uses the cameo. Pure library: no web or database.

`parse` turns one restriction into a `Restriction`: the owner's text, its topic (the forbidden thing, with the
"no"/"never make me"/"keep me out of" scaffolding stripped) and the terms that block it by keyword: the topic's own
phrases plus the keywords of the LEXICON entries the topic picks, by a shared keyword or by the embedding of the
topic being near the entry's name. Text that states a wish rather than a ban ("I like cats", "family friendly
only") is rejected: forbidding its topic would reverse what the owner meant, and an error lets them rephrase. A bare
topic ("alcohol") is accepted as a ban, as it reads in a list headed "restrictions".

`check` reads a prompt in two layers, the keyword layer over every restriction first:

1. keyword: whole words of the restriction's terms, inflected ("kiss" matches "kisses", "kissing"), in the prompt
   as `kinora.safety.normalize` reads it (lower case, leetspeak and look-alike letters undone). Exact and
   explainable; the lexicon carries the paraphrases ("merlot", "f-bomb", "campaign"), and benign idioms of an
   ambiguous word stay out of its way ("a chocolate bar" is no bar, "swears an oath" no swearing).
2. meaning: MiniLM embeddings of the whole prompt and of each clause. A passage blocks when its cosine to the topic
   (or to a picked entry's name) is at least MEANING_THRESHOLD and beats its cosine to every contrast label (the
   other entries and some everyday scenes, _EVERYDAY) by MEANING_MARGIN. A cosine threshold alone cannot work:
   "drinks a glass of milk" is 0.36 from "alcohol" and "sips a glass of merlot" 0.30. Both numbers are calibrated
   on the table in tests/cameos/test_restrictions.py (allowed rows reach a margin of -0.08, blocked ones start at
   +0.08).

So a keyword hit on a later restriction beats a meaning match on an earlier one (it is the more certain), and a
prompt with a keyword hit never touches the model. Within a layer the owner's first restriction wins. A hit names
one restriction: callers show that text alone, never the owner's other restrictions.

Negation in the prompt: a negation word ("no", "not", "without", "never", "instead of", "-n't") and what it governs,
up to NEGATION_WORDS content words and never past a clause boundary, are read by neither layer, so "@ann drinks
orange juice, no alcohol" passes "nothing with alcohol". Double negatives and idioms ("no shortage of beer", "can't
stop drinking", "no worries") negate nothing. The scope is short on purpose: a long one would let "without a care,
@ann downs vodka" through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from kinora.safety.normalize import normalize

MAX_RESTRICTIONS = 20
MAX_LENGTH = 200
MEANING_THRESHOLD = 0.3  # cosine of a passage to the topic or a picked entry: below it, nothing is near enough
MEANING_MARGIN = 0.05  # ...and how much nearer than every contrast label it must be
CONTRAST_LIMIT = 0.6  # a label this near the topic is a synonym, not contrast ("music" for "no music")
ENTRY_THRESHOLD = 0.55  # cosine of a topic to an entry's name for the entry to be picked by meaning
ENTRY_MARGIN = 0.05  # ...and within this of the nearest label, everyday ones included
NEGATION_WORDS = 4


def _words(listed: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in listed.split(",") if word.strip())


# Common restriction topics: the entry's name (what a topic's embedding is compared with) -> keywords, each matched
# as whole words with its regular inflections. Words too ambiguous to block on alone ("party", "shot", "joint",
# "coke" the drug) are listed only inside phrases; the few that stay ambiguous have benign idioms in _BENIGN.
LEXICON: dict[str, tuple[str, ...]] = {
    "politics and elections": _words(
        "politics, political, politician, election, elected, electoral, vote, voting, voter, ballot, polling station, "
        "campaign, campaigning, president, presidential, senator, senate, congress, congressman, congresswoman, "
        "parliament, parliamentary, member of parliament, prime minister, minister, governor, mayor, lawmaker, "
        "legislator, legislation, candidate, referendum, protest, protester, rally, demonstrator, march for, "
        "picket, petition, activist, activism, democrat, democratic party, republican, political party, "
        "party leader, left-wing, right-wing, liberal party, conservative party, government, propaganda, "
        "manifesto, lobbyist, impeach, impeachment, dictator, communist, socialist, fascist, white house, capitol, "
        "political debate, midterms, primaries, address the nation, state of the union"),
    "swearing and profanity": _words(
        "swear, swearing, swore, swear word, curse, cursing, curse word, cuss, cussing, profanity, profanities, "
        "profane, obscene, obscenity, obscenities, expletive, f-word, f-bomb, four-letter word, bad word, dirty word, "
        "foul language, foul-mouthed, potty mouth, vulgar, vulgarity, bleep, fuck, fucking, fucked, shit, shitty, "
        "bullshit, damn, dammit, goddamn, bitch, bastard, asshole, arsehole, ass, arse, crap, dick, piss, pissed, "
        "bollocks, cunt, motherfucker, wanker, twat, wtf, son of a bitch"),
    "alcohol and drinking": _words(
        "alcohol, alcoholic, booze, boozy, liquor, beer, wine, vodka, whiskey, whisky, rum, gin, tequila, bourbon, "
        "scotch, brandy, cognac, champagne, prosecco, cocktail, martini, margarita, mojito, sangria, cider, ale, "
        "lager, pint, merlot, chardonnay, cabernet, pinot, sauvignon, riesling, mimosa, daiquiri, sake bomb, "
        "shots of, drunk, drunken, tipsy, hungover, hangover, wasted, bar, pub, tavern, saloon, brewery, winery, "
        "bartender, barman, happy hour, keg, beer pong, bottle of wine, glass of wine, toast with champagne, "
        "speakeasy"),
    "smoking and vaping": _words(
        "smoke, smoking, smoker, cigarette, cig, ciggie, cigar, cigarillo, tobacco, nicotine, menthol, vape, vaping, "
        "vaper, e-cigarette, hookah, shisha, ashtray, chain-smoking, chain-smoker, puff on, puffs on, spliff, "
        "rolls a joint, smoking a joint, bong, pipe tobacco"),
    "drugs": _words(
        "drug, drugs, narcotic, narcotics, cocaine, heroin, meth, methamphetamine, marijuana, cannabis, weed, "
        "mdma, lsd, acid trip, magic mushrooms, shrooms, psychedelic, stoned, getting high, high on, overdose, "
        "drug dealer, bong, spliff, crack pipe, opioid, fentanyl, ketamine, snort, line of coke, pills to get high"),
    "violence and fighting": _words(
        "violence, violent, fight, fighting, fought, fistfight, brawl, punch, beat up, beats up, beaten up, "
        "beating up, assault, attack, stab, stabbing, shoot, shooting, gunshot, murder, kill, killing, killer, "
        "slaughter, blood, bloody, bloodshed, gore, gory, wounded, injure, injured, torture, strangle, slap, riot, "
        "war, battle, combat, massacre, hostage, terrorist, bomb, explosion, bully, bullying, abuse, "
        "kidnap, wrestle to the ground, knock out, head-butt, sword fight, swordfight, swing a sword at, knife fight, "
        "gunfight, shootout, point a gun at, pull a knife on"),
    "weapons": _words(
        "weapon, gun, guns, handgun, pistol, revolver, rifle, shotgun, assault rifle, firearm, machine gun, sniper, "
        "ammo, ammunition, bullet, grenade, missile, rocket launcher, sword, dagger, machete, switchblade, "
        "brass knuckles, crossbow, bow and arrow, explosive"),
    "romance and kissing": _words(
        "romance, romantic, kiss, kissing, make out, making out, date, dating, first date, date night, boyfriend, "
        "girlfriend, lover, sweetheart, crush, flirt, flirty, flirting, valentine, honeymoon, love letter, in love, "
        "falls in love, candlelit dinner, cuddle, cuddling, snuggle, love scene, seduce, marriage "
        "proposal, proposes to, gets down on one knee, slow dance, romcom, rom-com, newlyweds, smooch"),
    "sexual content": _words(
        "sex, sexual, sexy, erotic, seductive, sensual, lingerie, striptease, stripper, strip club, porn, "
        "pornography, nsfw, foreplay, bedroom scene, one-night stand, hookup, orgasm, "
        "aroused, lap dance, sexting, nude photo"),
    "nudity": _words(
        "nude, naked, nudity, topless, bottomless, undressed, undress, undressing, shirtless, skinny dipping, "
        "streaking, in the nude, birthday suit, bare breasts, strips off"),
    "swimwear": _words(
        "bikini, swimsuit, swimwear, bathing suit, swimming costume, two-piece, swim trunks, swimming trunks, "
        "speedo, monokini, tankini, thong bikini, bikini top"),
    "underwear and lingerie": _words(
        "underwear, lingerie, bra, panties, knickers, thong, g-string, boxer shorts, briefs, corset, negligee, "
        "nightie, in her underwear, in his underwear, undies, bralette"),
    "horror and scary things": _words(
        "horror, scary, spooky, creepy, terrifying, frightening, haunted, haunting, ghost, ghoul, zombie, vampire, "
        "werewolf, demon, demonic, possessed, exorcism, exorcist, monster, slasher, serial killer, jump scare, "
        "nightmare, gore, gory, corpse, evil spirit, poltergeist, cursed, creepypasta, undead, banshee, "
        "chainsaw killer, killer clown, graveyard at midnight"),
    "religion": _words(
        "religion, religious, church, mosque, synagogue, temple, prayer, pray, praying, god, jesus, christ, allah, "
        "buddha, bible, quran, koran, torah, priest, pastor, rabbi, imam, monk, nun, pope, worship, baptism, "
        "sermon, hymn, crucifix, saint, heaven, satan, holy, sacred, faith, spiritual, ramadan, bar mitzvah, "
        "bat mitzvah, preacher, missionary, cult"),
    "advertising and brands": _words(
        "ad, ads, advert, advertisement, advertising, advertise, commercial, sponsored, sponsor, sponsorship, "
        "endorse, endorsement, product placement, product, products, promo, promotion, promote, brand, branded, "
        "logo, merch, merchandise, buy now, discount code, coupon, limited offer, influencer, unboxing, "
        "infomercial, jingle, billboard, marketing, slogan, coca-cola, coke, pepsi, nike, adidas, mcdonald's, "
        "mcdonalds, starbucks, iphone, samsung, google, tesla, red bull, gucci, louis vuitton, chanel, rolex, "
        "disney, netflix, burger king, kfc, ikea, doritos, where to buy, link in bio, swipe up, promo code, "
        "use my code, affiliate link"),
    "dancing": _words(
        "dance, dancing, dancer, ballet, ballerina, tango, salsa, waltz, breakdance, breakdancing, breakdancer, "
        "twerk, twerking, moonwalk, tap dance, choreography, choreographed, disco, dance floor, foxtrot, cha-cha, "
        "samba, zumba, pirouette, bust a move, boogie, jig, line dancing, macarena, conga, cancan, flamenco, hula, "
        "polka, rumba, hip-hop dance, quickstep, jive, shuffle dance"),
    "singing": _words(
        "sing, singing, singer, sang, sung, song, karaoke, choir, serenade, rap, rapping, rapper, opera, aria, "
        "duet, vocals, lullaby, anthem, sings along, belts out, hums a tune, yodel"),
    "harming animals": _words(
        "animal cruelty, animal abuse, hunting, hunter, hunt, poaching, poacher, bullfight, bullfighting, "
        "cockfight, dogfight, dogfighting, slaughterhouse, taxidermy, trophy hunting, kicks a dog, kicks the dog, "
        "harpoon, trapping animals"),
    "sports": _words(
        "sport, sports, football, soccer, basketball, baseball, tennis, golf, hockey, rugby, boxing, boxer, "
        "wrestling, martial arts, karate, judo, mma, marathon, athlete, stadium, skiing, snowboarding, surfing, "
        "skateboarding, volleyball, cycling race, touchdown, slam dunk, home run, penalty kick, referee"),
    "food and eating": _words(
        "food, eat, eating, ate, eaten, meal, snack, dinner, lunch, breakfast, dessert, pizza, burger, hamburger, "
        "fries, sandwich, cake, cookie, candy, chocolate, ice cream, pasta, spaghetti, noodles, sushi, steak, "
        "salad, soup, bread, popcorn, donut, taco, feast, buffet, picnic, restaurant, takes a bite, chew, "
        "chewing, devour, munch, binge eating"),
    "gambling": _words(
        "gamble, gambling, gambler, casino, poker, blackjack, roulette, slot machine, betting, bet, bookie, "
        "lottery, jackpot, sports betting, craps table"),
    "death and funerals": _words(
        "death, dead, dying, die, dies, died, funeral, coffin, casket, grave, gravestone, graveyard, cemetery, "
        "corpse, passes away, passed away, deathbed, mourning, obituary, killed"),
    "illness and medical scenes": _words(
        "hospital, surgery, operating table, sick, illness, disease, injection, syringe, vomit, vomiting, "
        "throwing up, cancer, chemotherapy, ambulance, emergency room, ventilator, fever, flu, covid, infection"),
    "crime and police": _words(
        "crime, criminal, arrest, arrested, handcuffs, handcuffed, jail, prison, prisoner, robbery, robber, "
        "steal, stealing, stole, theft, thief, burglar, burglary, heist, robbed, robbing, shoplifting, shoplift, "
        "mugshot, behind bars, gangster, mafia, fraud, scam, scammer, police chase, getaway car, ransom"),
    "crude humor and rude gestures": _words(
        "middle finger, flips off, flipping off, flipping the bird, flips the bird, mooning, rude gesture, "
        "obscene gesture, fart, farting, burp, burping, poop, pee, peeing, toilet humor, snot, booger, "
        "bathroom humor, diarrhea"),
    "pregnancy": _words(
        "pregnant, pregnancy, baby bump, giving birth, gives birth, childbirth, in labor, expecting a baby, "
        "maternity, ultrasound"),
    "dangerous stunts": _words(
        "stunt, stunts, skydiving, skydive, bungee, bungee jumping, base jumping, parkour, wingsuit, daredevil, "
        "tightrope, fire breathing, motorcycle jump, jumps off a cliff, cliff jumping, free solo"),
    "insults and mockery": _words(
        "insult, insulting, mock, mocking, ridicule, slur, racist, sexist, bully, bullying, humiliate, humiliating, "
        "make fun of, makes fun of, trash talk, trash-talk, belittle, name-calling, taunt, taunting"),
    "money and crypto": _words(
        "crypto, cryptocurrency, bitcoin, ethereum, nft, stock tip, stocks, invest, investing, investment, "
        "trading, forex, get rich quick, financial advice, pyramid scheme, mlm, giveaway scam"),
    "looking older or heavier": _words(
        "fat, obese, overweight, chubby, bald, balding, wrinkles, wrinkled, elderly, old age, aged up, ugly, "
        "weight gain, gains weight, older, grey hair, gray hair, double chin"),
}

# Idioms that contain a keyword and are not about its topic, keyed by the keyword they excuse. Only that keyword's
# match inside the idiom is ignored: "a chocolate bar" is no bar for "nothing with alcohol" and still chocolate.
_BENIGN: dict[str, tuple[str, ...]] = {
    "bar": _words(
        r"(?:chocolate|candy|granola|protein|cereal|energy|snack|salad|soap|gold|space|progress|tool|sound|"
        r"pull-up|pull up|chin-up|monkey|crow|side|handle|parallel|horizontal|balance) ?bars?, bars? (?:chart|graph|"
        r"code|exam|of (?:soap|chocolate|gold|music)), raise[sd]? the bar, behind bars, bar mitzvah"),
    "rally": _words(r"(?:car|tennis|stock|market|desert) rall(?:y|ies), rally (?:car|driver|race|racing|stage)"),
    "vote": _words(r"vot(?:e|es|ed|ing) (?:for|on) (?:the |a |her |his |their )?"
                   r"(?:best|favou?rite|winner|cutest|tastiest|funniest)"),
    "campaign": _words(r"(?:ad|advertising|marketing|fundraising|kickstarter|crowdfunding) campaigns?"),
    "curse": _words(r"(?:casts?|cast|lifts?|breaks?|under) (?:a |the )?curse, curse of"),
    "cursed": _words(r"cursed (?:tomb|mummy|ring|amulet|treasure)"),
    "swear": _words(r"swears? (?:an |the )?oath, sworn in, swears? allegiance, swear(?:s|ing)? in"),
    "ass": _words(r"kick(?:s|ing)? ass, (?:wild|jack) ?ass"),
    "crap": _words(r"crap(?:s)? table"),
    "smoke": _words(
        r"smoke (?:alarm|detector|machine|signal|bomb|screen), (?:chimney|campfire|bonfire|engine|exhaust) smoke, "
        r"smoke (?:from|rises|rising|billows|billowing|fills|filling|pours|over), smoked (?:salmon|meat|ham|cheese|"
        r"paprika|brisket|ribs|sausage|turkey|fish|glass), smoking hot, holy smoke"),
    "weed": _words(r"(?:pulls?|pulling|pulled) (?:the )?weeds?, weed(?:s|ing|ed)? (?:the )?(?:garden|lawn|bed|patch), "
                   r"weedkiller, sea ?weed"),
    "high on": _words(r"high on (?:a|the) (?:hill|shelf|mountain|cliff|ledge|wall)"),
    "date": _words(r"(?:due|release|expiry|expiration|save the|up to|out of) dates?, dates? (?:palm|fruit|and figs)"),
    "crush": _words(r"crush(?:es|ed|ing)? (?:the |a |an )?(?:can|cans|garlic|ice|grapes|it|cookies|nuts)"),
    "god": _words(r"oh my god, thank god, greek gods?, god of"),
    "shoot": _words(
        r"(?:photo|fashion) ?shoots?, shoot(?:s|ing)? (?:a |the |some )?(?:film|movie|video|photos?|pictures?|hoops|"
        r"baskets?|scene|footage|commercial|music video|portrait|the breeze), shooting stars?"),
    "shooting": _words(r"shooting stars?, shooting (?:a |the )?(?:film|movie|video|scene|hoops)"),
    "kill": _words(r"kill(?:s|ed|ing)? (?:the )?(?:lights?|engine|music|time), kill(?:ed|ing) it"),
    "killer": _words(r"killer (?:whale|app|heels|smile|view)"),
    "battle": _words(r"(?:rap|dance|snowball|pillow|water|bake|baking|band|bands) battles?, battle of the bands"),
    "fight": _words(r"(?:pillow|snowball|food|water|bubble) ?fights?"),
    "bomb": _words(r"(?:bath|photo|f|sake)[ -]?bombs?, da bomb"),
    "punch": _words(r"(?:fruit|rum|hawaiian) punch, punch (?:bowl|line|card|hole|clock)s?, punch(?:es|ed)? (?:in|out)"),
    "attack": _words(r"(?:heart|panic|asthma) attacks?"),
    "explosion": _words(r"(?:flavou?r|colou?r|confetti) explosions?"),
    "product": _words(r"by-?products?"),
    "brand": _words(r"brand[- ]new"),
    "commercial": _words(r"commercial (?:kitchen|building|district|airline|flight|pilot)"),
    "promote": _words(r"promoted to"),
    "promotion": _words(r"(?:a|her|his|their|the) promotion at work, gets? a promotion"),
    "temple": _words(r"temples? of (?:the )?head, (?:his|her|their) temples?"),
    "hunt": _words(r"(?:treasure|scavenger|egg|easter egg|house|job|bargain) hunts?, hunt(?:s|ing|ed)? for"),
    "hunting": _words(r"(?:treasure|scavenger|egg|easter egg|house|job|bargain) hunting"),
    "hunter": _words(r"(?:treasure|bargain|ghost|storm) hunters?"),
    "monster": _words(r"monster (?:truck|trucks|energy), cookie monster"),
    "rap": _words(r"rap(?:s|ped|ping)? (?:on|at) (?:the |a )?(?:door|window|table)"),
    "song": _words(r"song ?birds?"),
    "sing": _words(r"sing(?:s|ing)? (?:the )?praises"),
    "cake": _words(r"cake(?:s|d)? (?:in|with) (?:mud|dirt|dust)"),
    "sick": _words(r"sick (?:trick|beat|moves?|flip|jump)"),
    "pee": _words(r"pee[- ]?wee"),
    "dead": _words(r"dead ?(?:end|line|lines|pan|lift|beat|heat|tired|silent)"),
    "grave": _words(r"grave (?:voice|tone|expression|face)"),
    "flu": _words(r"flu[- ]?shots?"),
    "stocks": _words(r"(?:soup|chicken|beef) stocks?"),
    "trading": _words(r"trading cards?"),
    "bet": _words(r"you bet"),
    "war": _words(r"star wars?, (?:pillow|water|price|bidding|snowball) wars?"),
    "blood": _words(r"blood (?:orange|test|drive|donation|moon|type|pressure|sugar|bank)s?"),
    "bloody": _words(r"bloody mary"),
    "holy": _words(r"holy (?:cow|moly|smokes?|mackerel|guacamole)"),
    "cult": _words(r"cult (?:classic|film|movie|following|favou?rite)"),
    "drug": _words(r"drug ?stores?"),
    "salsa": _words(r"salsa (?:dip|sauce|verde|jar), chips and salsa"),
    "hula": _words(r"hula[- ]?hoops?"),
    "boogie": _words(r"boogie ?boards?"),
    "polka": _words(r"polka[- ]?dots?, polka[- ]?dotted"),
    "fat": _words(r"fat (?:cat|tire|tyre|chance)"),
    "older": _words(r"older (?:sister|brother|sibling|cousin|woman|man|couple)"),
    "mock": _words(r"mock(?:-| )?(?:up|ups|trial|exam|test|turtle)"),
    "stunt": _words(r"stunt(?:s|ed)? (?:growth|development)"),
    "scam": _words(r"scam (?:warning|awareness)"),
    "bully": _words(r"bully (?:breed|dog)"),
    "saint": _words(r"saint bernard"),
}


# Everyday scenes, some of them next to a restricted topic (milk beside alcohol, swimming beside swimwear, a hug beside
# romance). With the other lexicon entries they are the meaning layer's contrast: a prompt blocks by meaning only when
# it is nearer the restriction than to all of them, which a cosine threshold alone cannot tell apart.
_EVERYDAY: tuple[str, ...] = (
    "everyday life", "drinks like coffee, tea, juice, water and milk", "cooking and baking", "work and the office",
    "travel", "nature and the outdoors", "pets and animals", "family and friends", "music", "clothing and fashion",
    "swimming", "law and courts", "conversation", "games and toys", "weather", "art and crafts",
    "school and studying", "cars and driving", "hugging and friendship", "parties and celebrations",
    "exercise and fitness", "circus and juggling", "reading books", "shopping", "technology and phones",
)

@dataclass(frozen=True)
class Restriction:
    text: str  # as the owner wrote it: the only thing a blocked caller is shown
    topic: str  # the forbidden thing, lower-cased, without the "no"/"never make me" scaffolding
    terms: tuple[str, ...]  # words that block by keyword: the topic's own phrases, then its lexicon entries' keywords
    entries: tuple[str, ...] = ()  # the LEXICON entries the topic picked, for the owner's preview and the audit log


@dataclass(frozen=True)
class Hit:
    restriction: Restriction
    index: int  # position in the sequence given to `check`
    reason: Literal["keyword", "meaning"]
    matched: str  # the prompt's words (keyword) or clause (meaning) that hit
    score: float  # 1.0 for a keyword; the cosine for a meaning match


# --- parse ---------------------------------------------------------------------------------------------------------

# Scaffolding around the forbidden thing, stripped from the front again and again: "please never make me say swear
# words" -> "say swear words", "keep me out of horror" -> "horror", "I don't want to be shown drinking" -> "drinking".
_LEAD = re.compile(
    r"^(?:please|pls|kindly|absolutely|strictly|definitely|really|just|ever|"
    r"i\s+(?:do\s+not|don'?t|never|would\s+not|wouldn'?t|won'?t|will\s+not)\s+(?:want|like|allow|permit|accept|do)"
    r"(?:\s+(?:to\s+be|to|me|my\s+cameo|being))?|i'?d\s+rather\s+not(?:\s+be)?|i\s+refuse\s+to(?:\s+be)?|"
    r"do\s+not|don'?t|dont|never|no|not|nothing|none|zero|avoid|avoiding|ban|stop|forbid|exclude|refrain\s+from|"
    r"keep\s+(?:me|my\s+(?:cameo|likeness|face|character))?\s*(?:out\s+of|away\s+from)|stay\s+away\s+from|"
    r"(?:make|let|have|get|show|put|depict|portray|use|film|feature|involve|include|place|turn|cast|dress)s?\s+"
    r"(?:me|my\s+(?:cameo|likeness|face|character|voice)|him|her|them|it|us)|"
    r"be|being|appear|appearing|seen|shown|featured|involved|depicted|portrayed|"
    r"any|anything|anyone|at\s+all|more|(?:kind|sort|type|form)s?\s+of|"
    r"with|about|involving|related\s+to|relating\s+to|regarding|around|containing|including|featuring|showing|"
    r"(?:to\s+)?do\s+with|of|in|into|on|near|to|a|an|the|that\s+(?:involves?|includes?|shows?|has|have))\b"
    r"[\s,:;-]*")
_TRAIL = re.compile(r"[\s,.;:!?]*(?:\b(?:please|pls|thanks|thank\s+you|ever|at\s+all|whatsoever|of\s+any\s+kind)\b"
                    r"[\s,.;:!?]*)*$")
# A ban said anywhere ("alcohol is not ok", "nudity? never") makes the text a prohibition.
_PROHIBITION = re.compile(
    r"\b(?:no|not|never|nothing|none|zero|without|avoid\w*|ban\w*|forbid\w*|refrain|exclude|stop|nope|nah|"
    r"don'?t|dont|won'?t|wouldn'?t|cannot|rather\s+not|refuse|keep\s+.{0,30}(?:out\s+of|away\s+from)|"
    r"stay\s+away)\b|n't\b")
# Without a ban, these read as a wish or a permission ("I like cats", "family friendly only", "keep it PG"):
# forbidding their topic would reverse what the owner meant, so `parse` rejects them instead.
_WISH = re.compile(
    r"^(?:i|i'?m|i\s+am|i'?d|we|we'?re|my|our|only|always|must|should|you\s+can|feel\s+free|ok|okay|fine|allowed|"
    r"can|please\s+(?:make|show|use|let|put|keep)|make\s+me|show\s+me|let\s+me|keep\s+(?:it|me|things|everything))\b|"
    r"\bonly\b|\b(?:is|are)\s+(?:ok|okay|fine|allowed|good)\b|\b(?:family[- ]friendly|kid[- ]friendly|wholesome|"
    r"tasteful|respectful|appropriate|pg|g-rated|sfw|safe\s+for\s+work|flattering)\b")
_PARTS = re.compile(r"\s*(?:,|;|/|&|\bor\b|\band\b|\bnor\b|\bneither\b|\beither\b)\s*")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")
# Words that carry no topic of their own: scaffolding verbs, pronouns, fillers ("content", "stuff").
_STOPWORDS = frozenset(_words(
    "a, an, the, me, my, mine, i, you, your, him, her, his, hers, them, their, it, its, us, our, we, they, this, "
    "that, these, those, and, or, nor, but, of, in, on, at, to, for, with, without, about, from, by, as, into, "
    "like, any, anything, something, some, all, every, each, no, not, never, none, nothing, do, does, doing, did, "
    "done, be, is, are, was, were, been, being, am, make, makes, making, made, let, show, shown, showing, shows, see, "
    "seen, look, looks, looking, say, says, saying, said, have, has, had, having, get, gets, getting, got, go, goes, "
    "going, put, use, using, used, wear, wears, wearing, worn, appear, appearing, involve, involving, involved, "
    "content, contents, stuff, thing, things, type, types, kind, kinds, sort, material, materials, theme, themes, "
    "topic, topics, scene, scenes, video, videos, related, please, ever, more, other, others, etc, very, too, just, "
    "really, only, also, new, word, words, talk, talking, mention, mentioning, act, acting, doing, anyone, someone, "
    "myself, yourself, being, while, during, near, around"))
# Adjectives that would block far too much on their own ("don't make me look old" must not block "an old castle");
# a topic that is only one of these is left to the lexicon and the meaning layer.
_WEAK = frozenset(_words(
    "old, young, new, big, small, little, bad, good, loud, quiet, funny, silly, weird, stupid, dumb, dirty, foul, "
    "gross, mean, rude, crazy, wild, dark, hot, cold, sad, angry, strange, ugly, cheap, fake, real, serious"))


def parse(text: str) -> Restriction:
    """One owner-written restriction as a `Restriction`. Blocking on first use (it may load the embedding model to
    pick lexicon entries); ValueError for text that is empty, too long, names nothing, or is a wish, not a ban."""
    if not isinstance(text, str):
        raise TypeError(f"restriction must be a string; got {type(text).__name__}")
    stripped = " ".join(text.split())
    if not stripped:
        raise ValueError(f"restriction {text!r} is empty; write what to forbid, such as 'no political content'")
    if len(stripped) > MAX_LENGTH:
        raise ValueError(f"restriction {stripped[:40]!r}... is {len(stripped)} characters; at most {MAX_LENGTH} "
                         f"are allowed")
    lowered = stripped.lower().replace("’", "'")
    if not _PROHIBITION.search(lowered) and _WISH.search(lowered):
        raise ValueError(f"restriction {stripped!r} does not say what to forbid; write it as a ban, such as "
                         f"'no political content' or 'never make me say swear words'")
    topic = _topic(lowered)
    phrases = _phrases(topic)
    if not any(_content(part) for part in _PARTS.split(topic)):
        raise ValueError(f"restriction {stripped!r} names nothing to forbid; write what to forbid, such as "
                         f"'no political content' or 'never make me say swear words'")
    entries = _entries(topic)
    terms = tuple(dict.fromkeys([*phrases, *(word for name in entries for word in LEXICON[name])]))
    return Restriction(text=stripped, topic=topic, terms=terms, entries=entries)


def parse_all(texts: Sequence[str]) -> tuple[Restriction, ...]:
    """A cameo's whole list: each text parsed, at most MAX_RESTRICTIONS, no text twice (ignoring case)."""
    if len(texts) > MAX_RESTRICTIONS:
        raise ValueError(f"restrictions has {len(texts)} entries; at most {MAX_RESTRICTIONS} are allowed")
    parsed = tuple(parse(text) for text in texts)
    seen: dict[str, int] = {}
    for index, restriction in enumerate(parsed):
        key = restriction.text.lower()
        if key in seen:
            raise ValueError(f"restriction {restriction.text!r} (number {index + 1}) repeats number {seen[key] + 1}")
        seen[key] = index
    return parsed


def _topic(lowered: str) -> str:
    topic = lowered
    while True:
        shorter = _LEAD.sub("", _TRAIL.sub("", topic), count=1)
        if shorter == topic:
            return topic.strip(" ,.;:!?-'\"")
        topic = shorter


def _content(part: str) -> list[str]:
    return [word for word in _TOKEN.findall(part) if word not in _STOPWORDS]


def _phrases(topic: str) -> list[str]:
    """The topic's own blocking phrases: each "or"/"and"/comma part without the stopwords at its ends, so "say swear
    words" gives "swear" and "kissing or romance" gives "kissing" and "romance"."""
    phrases: list[str] = []
    for part in _PARTS.split(topic):
        words = _TOKEN.findall(part)
        while words and words[0] in _STOPWORDS:
            words.pop(0)
        while words and words[-1] in _STOPWORDS:
            words.pop()
        if words and not (len(words) == 1 and words[0] in _WEAK):
            phrases.append(" ".join(words))
            singular = _singular(words[-1])
            if singular != words[-1]:
                phrases.append(" ".join([*words[:-1], singular]))  # "no clowns" also blocks "a clown"
    return phrases


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")) and len(word) > 3:
        return word[:-1]
    return word


def _entries(topic: str) -> tuple[str, ...]:
    """Lexicon entries for `topic`: those with a keyword in it, then those whose name is near it in meaning."""
    by_word = [name for name, words in LEXICON.items() if _find(_Matcher.of(words), topic)]
    by_meaning = _entries_by_meaning(topic)
    return tuple(dict.fromkeys([*by_word, *by_meaning]))


def _entries_by_meaning(topic: str) -> list[str]:
    from kinora.app.feed.embed import embed  # torch loads on first use, never when this module is imported

    parts = list(dict.fromkeys([topic, *(part for part in _PARTS.split(topic) if _content(part))]))
    labels = embed([*LEXICON, *_EVERYDAY])  # embed's cache keeps these rows, keyed by model
    similarity = embed(parts) @ labels.T  # (parts, labels)
    # Only entries nearly as near as the nearest label, everyday ones included: "dance" is 0.95 from dancing and
    # 0.60 from singing, and "parties" is nearer "parties and celebrations" than "politics and elections".
    near = (similarity >= ENTRY_THRESHOLD) & (similarity >= similarity.max(axis=1, keepdims=True) - ENTRY_MARGIN)
    return [name for name, picked in zip(LEXICON, near[:, :len(LEXICON)].any(axis=0), strict=True) if picked]


# --- keyword matching ----------------------------------------------------------------------------------------------

_FUNCTION = frozenset(_words("a, an, the, of, to, on, in, at, for, with, and, or, his, her, my, up, out, off, down, "
                             "into, where, one"))
# Short words whose inflections are other words ("barred", "ginned") or that are names ("Rob"): matched as written
# and as plurals only.
_EXACT = frozenset(_words("bar, pub, gin, rum, ale, ad, god, bra, cig, pot, mlm, nft, lsd, mma, kfc, wtf, jig"))
_VOWELS = frozenset("aeiou")
_EDGE_BEFORE = r"(?<![a-z0-9])"
_EDGE_AFTER = r"(?![a-z0-9])"


def _forms(word: str) -> list[str]:
    """`word` with its regular inflections: "kiss" -> kisses, kissed, kissing; "dance" -> danced, dancing. Never
    the "-er" form, which is too often another word ("bet" -> "better")."""
    if not word.isalpha() or word in _FUNCTION:
        return [word]
    forms = {word, word + "s"}
    if word in _EXACT or len(word) < 3:
        return sorted(forms, key=len, reverse=True)
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(word + "es")
    if word.endswith("ie"):
        forms |= {word + "d", word[:-2] + "ying"}
    elif word.endswith("e") and not word.endswith("ee"):
        forms |= {word + "d", word[:-1] + "ing"}
    elif word.endswith("y") and word[-2] not in _VOWELS:
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    else:
        forms |= {word + "ed", word + "ing"}
        if len(word) <= 4 and word[-1] not in _VOWELS | {"w", "x", "y"} and word[-2] in _VOWELS \
                and word[-3] not in _VOWELS:
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}  # stab -> stabbed, stabbing
    return sorted(forms, key=len, reverse=True)


def _term_pattern(term: str) -> str:
    words = [word for word in re.split(r"[\s-]+", term) if word]
    return r"[\s-]*".join("(?:" + "|".join(re.escape(form) for form in _forms(word)) + ")" for word in words)


@dataclass(frozen=True)
class _Matcher:
    terms: tuple[str, ...]
    pattern: re.Pattern[str]  # one group per term, longest term first
    benign: dict[int, re.Pattern[str]]  # group number -> that term's benign idioms

    @staticmethod
    @lru_cache(maxsize=512)
    def of(terms: tuple[str, ...]) -> _Matcher:
        ordered = tuple(sorted(terms, key=len, reverse=True))
        alternatives = "|".join(f"({_term_pattern(term)})" for term in ordered)
        benign = {group: re.compile(_EDGE_BEFORE + "(?:" + "|".join(idioms) + ")" + _EDGE_AFTER)
                  for group, term in enumerate(ordered, start=1) if (idioms := _benign_for(term))}
        return _Matcher(ordered, re.compile(f"{_EDGE_BEFORE}(?:{alternatives}){_EDGE_AFTER}"), benign)


def _benign_for(term: str) -> list[str]:
    """The benign idioms of `term` and of every listed word it inflects ("voting" is excused where "vote" is)."""
    return [idiom for word, idioms in _BENIGN.items() if word == term or re.fullmatch(_term_pattern(word), term)
            for idiom in idioms]


def _find(matcher: _Matcher, text: str) -> str | None:
    """The first words of `text` that one of the matcher's terms matches outside that term's benign idioms."""
    for match in matcher.pattern.finditer(text):
        idioms = matcher.benign.get(match.lastindex or 0)
        if idioms is None or not any(idiom.start() <= match.start() and match.end() <= idiom.end()
                                     for idiom in idioms.finditer(text)):
            return match.group(0)
    return None


def _benign_blanked(text: str, matcher: _Matcher) -> str:
    """`text` without the benign idioms of the matcher's terms."""
    for idioms in matcher.benign.values():
        text = idioms.sub(" ", text)
    return " ".join(text.split())


# --- the prompt as the layers read it ------------------------------------------------------------------------------

_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,38}[A-Za-z0-9_])?")
# Double negatives and idioms that contain a negation word and negate nothing the owner forbade: rewritten before
# the negation scopes are found, so "no shortage of beer" still reads as beer.
_NOT_NEGATING = [
    (re.compile(r"\bno (?:shortage|lack|end) of\b"), "plenty of"),
    (re.compile(r"\b(?:can't|cannot|can not|couldn't|won't|doesn't|don't|didn't|never) stop\b"), "keeps"),
    (re.compile(r"(?:\bnot|n't|\bnever) (?:only|just|merely)\b|\b(?:not|never) without\b"), " also"),
    (re.compile(r"\bnothing but\b"), "only"),
    (re.compile(r"\bno stranger to\b"), "used to"),
    (re.compile(r"\b(?:no (?:problem|worries|doubt|matter|way|wonder|joke|kidding)|not (?:sure|bad|afraid to))\b"),
     "and"),
]
_NEGATION = re.compile(r"\b(?:no|not|never|without|nothing|none|zero|instead of|rather than|free of|cannot|\w+n't)\b")
_CLAUSE_END = re.compile(r"[,.;:!?()\[\]\"]|\b(?:and|but|then|while|as|so|when|before|after|because|until|though|"
                         r"although|yet|whereas)\b")
_CLAUSES = re.compile(r"\s*(?:[,.;:!?()\[\]\"]|\b(?:and|but|then|while|as|so|when|before|after|because|until|"
                      r"though|although|yet|whereas)\b)\s*")


def _visible(prompt: str) -> str:
    """`prompt` normalized (evasions undone, lower case), @mentions as "someone", negated words removed."""
    text = normalize(_MENTION.sub("someone", prompt).replace("’", "'")).text
    for pattern, replacement in _NOT_NEGATING:
        text = pattern.sub(replacement, text)
    return " ".join(_without_negated(text).split())


def _without_negated(text: str) -> str:
    """`text` without each negation word and the words it governs: up to NEGATION_WORDS content words, stopping at
    the next clause boundary ("drinks juice, no alcohol or soda, then dances" keeps "then dances")."""
    kept: list[str] = []
    position = 0
    for negation in _NEGATION.finditer(text):
        if negation.start() < position:
            continue
        kept.append(text[position:negation.start()])
        position = _scope_end(text, negation.end())
    kept.append(text[position:])
    return "".join(kept)


def _scope_end(text: str, start: int) -> int:
    boundary = _CLAUSE_END.search(text, start)
    limit = boundary.start() if boundary else len(text)
    counted = 0
    for word in _TOKEN.finditer(text, start, limit):
        if word.group(0) not in _STOPWORDS:
            counted += 1
            if counted == NEGATION_WORDS:
                return word.end()
    return limit


def _passages(text: str) -> list[str]:
    """What the meaning layer compares with each topic: the whole visible prompt and each of its clauses."""
    clauses = [clause for clause in _CLAUSES.split(text) if _content(clause)]
    return list(dict.fromkeys([text, *clauses])) if _content(text) else []


# --- check ---------------------------------------------------------------------------------------------------------


def check(prompt: str, restrictions: Sequence[Restriction]) -> Hit | None:
    """The restriction `prompt` violates, or None. Keywords are checked for every restriction before meaning is for
    any; within a layer the first restriction in order wins. Blocking: the meaning layer runs the embedding model
    (call through asyncio.to_thread); a transcript is checked the same way as a prompt."""
    if not restrictions:
        return None
    text = _visible(prompt)
    for index, restriction in enumerate(restrictions):
        found = _find(_Matcher.of(restriction.terms), text)
        if found is not None:
            return Hit(restriction, index, "keyword", found, 1.0)
    return _by_meaning(text, restrictions)


def _by_meaning(text: str, restrictions: Sequence[Restriction]) -> Hit | None:
    from kinora.app.feed.embed import embed  # torch loads on first use, never when this module is imported

    # A benign idiom of a restriction's own keyword ("swears an oath") is not read for that restriction's meaning
    # either: MiniLM would match the shared word, not the sense.
    texts = [_benign_blanked(text, _Matcher.of(restriction.terms)) for restriction in restrictions]
    passages = {own: _passages(own) for own in dict.fromkeys(texts)}
    unique = list(dict.fromkeys(passage for listed in passages.values() for passage in listed))
    if not unique:
        return None
    vectors = dict(zip(unique, embed(unique), strict=True))
    for index, (restriction, own) in enumerate(zip(restrictions, texts, strict=True)):
        found = _nearest(restriction, passages[own], vectors)
        if found is not None:
            return Hit(restriction, index, "meaning", found[0], found[1])
    return None


def _nearest(restriction: Restriction, passages: list[str], vectors: dict[str, np.ndarray]) -> tuple[str, float] | None:
    """The passage nearest the restriction, and its cosine, when one is both near enough (MEANING_THRESHOLD) and
    nearer it than to every contrast label by MEANING_MARGIN."""
    if not passages:
        return None
    own, contrast = _labels(_model(), restriction.topic, restriction.entries)
    rows = np.stack([vectors[passage] for passage in passages])  # (passages, 384)
    near = (rows @ own.T).max(axis=1)
    margin = near - (rows @ contrast.T).max(axis=1, initial=-1.0)
    passing = (near >= MEANING_THRESHOLD) & (margin >= MEANING_MARGIN)
    if not passing.any():
        return None
    best = int(np.argmax(np.where(passing, margin, -np.inf)))
    return passages[best], round(float(near[best]), 4)


def _model() -> str:
    from kinora.app.feed import embed

    return embed.model_path()


@lru_cache(maxsize=1024)
def _labels(model: str, topic: str, entries: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(own, contrast) unit rows: the topic with its lexicon entries' names, and every other label that is not a
    near-synonym of the topic (a synonym as contrast would leave nothing to block). Cached here, not only in embed's
    shared cache, which every checked prompt's clauses would soon push them out of. `model` keys the cache."""
    from kinora.app.feed.embed import embed

    own = embed([topic, *entries])
    others = [label for label in (*LEXICON, *_EVERYDAY) if label not in entries]
    vectors = embed(others)
    # Measured against the topic alone: "swimming" stays contrast for "wearing a bikini" although it is near the
    # swimwear entry's name.
    distinct = vectors @ own[0] < CONTRAST_LIMIT
    return np.asarray(own, dtype=np.float32), np.asarray(vectors[distinct], dtype=np.float32)
