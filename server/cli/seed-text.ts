import { cook } from '../content/cook.js';

/**
 * Seeded text that reads like a forum's: titles and bodies composed from sentence templates over a ru+en
 * vocabulary (Russian nouns in several cases, so stemming matters), code, quotes and lists. Words are drawn
 * Zipf-like (rank r with weight ~1/r), and a long tail of made-up names, models and error codes keeps most words
 * rare, as in real text. Bodies are joined from a pool of pre-cooked blocks, so a million posts cost a few
 * thousand markdown renders; a pool block renders the same alone as inside the body (see composeBody).
 */

export type Lang = 'ru' | 'en';

/** A small deterministic generator (mulberry32), so every seed of the same size looks the same. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
/** An element by Zipf-like rank: the first is the most common, weight ~1/(rank + 1). */
export const zipf = <T>(rnd: () => number, list: readonly T[]): T =>
  list[Math.min(list.length - 1, Math.floor(Math.exp(rnd() * Math.log(list.length + 1))) - 1)]!;
const lines = (s: string) => s.trim().split(/\s*[;\n]\s*/).map((l) => l.split('|'));

// Russian nouns, most common first: nominative | genitive | accusative | prepositional | plural.
const RU_NOUNS = lines(`
приложение|приложения|приложение|приложении|приложения; настройки|настроек|настройки|настройках|настройки
уведомления|уведомлений|уведомления|уведомлениях|уведомления; обновление|обновления|обновление|обновлении|обновления
роутер|роутера|роутер|роутере|роутеры; аккаунт|аккаунта|аккаунт|аккаунте|аккаунты
сервер|сервера|сервер|сервере|серверы; подписка|подписки|подписку|подписке|подписки
пароль|пароля|пароль|пароле|пароли; браузер|браузера|браузер|браузере|браузеры
прошивка|прошивки|прошивку|прошивке|прошивки; камера|камеры|камеру|камере|камеры
экспорт|экспорта|экспорт|экспорте|экспорты; поиск|поиска|поиск|поиске|поиски
профиль|профиля|профиль|профиле|профили; резервная копия|резервной копии|резервную копию|резервной копии|резервные копии
мобильное приложение|мобильного приложения|мобильное приложение|мобильном приложении|мобильные приложения; интеграция|интеграции|интеграцию|интеграции|интеграции
панель администратора|панели администратора|панель администратора|панели администратора|панели администраторов; тариф|тарифа|тариф|тарифе|тарифы
счёт|счёта|счёт|счёте|счета; оплата|оплаты|оплату|оплате|оплаты
виджет|виджета|виджет|виджете|виджеты; датчик|датчика|датчик|датчике|датчики
колонка|колонки|колонку|колонке|колонки; лампа|лампы|лампу|лампе|лампы
розетка|розетки|розетку|розетке|розетки; сценарий|сценария|сценарий|сценарии|сценарии
расписание|расписания|расписание|расписании|расписания; календарь|календаря|календарь|календаре|календари
плеер|плеера|плеер|плеере|плееры; пульт|пульта|пульт|пульте|пульты
зарядка|зарядки|зарядку|зарядке|зарядки; аккумулятор|аккумулятора|аккумулятор|аккумуляторе|аккумуляторы
сеть|сети|сеть|сети|сети; вход|входа|вход|входе|входы
двухфакторный вход|двухфакторного входа|двухфакторный вход|двухфакторном входе|двухфакторные входы; почта|почты|почту|почте|почты
отчёт|отчёта|отчёт|отчёте|отчёты; шаблон|шаблона|шаблон|шаблоне|шаблоны
фильтр|фильтра|фильтр|фильтре|фильтры; таблица|таблицы|таблицу|таблице|таблицы
база данных|базы данных|базу данных|базе данных|базы данных; сертификат|сертификата|сертификат|сертификате|сертификаты
кэш|кэша|кэш|кэше|кэши; журнал|журнала|журнал|журнале|журналы
ключ|ключа|ключ|ключе|ключи; термостат|термостата|термостат|термостате|термостаты
пылесос|пылесоса|пылесос|пылесосе|пылесосы; чайник|чайника|чайник|чайнике|чайники
дверной замок|дверного замка|дверной замок|дверном замке|дверные замки; видеорегистратор|видеорегистратора|видеорегистратор|видеорегистраторе|видеорегистраторы
шлюз|шлюза|шлюз|шлюзе|шлюзы; ретранслятор|ретранслятора|ретранслятор|ретрансляторе|ретрансляторы
тёмная тема|тёмной темы|тёмную тему|тёмной теме|тёмные темы; голосовой ассистент|голосового ассистента|голосовой ассистент|голосовом ассистенте|голосовые ассистенты
`);
// Present-tense predicates (no gender agreement): singular | plural.
const RU_VERBS = lines(`
не работает|не работают; перестаёт отвечать|перестают отвечать; зависает|зависают
не сохраняется|не сохраняются; сбрасывается|сбрасываются; отваливается|отваливаются
тормозит|тормозят; выдаёт ошибку|выдают ошибку; не подключается|не подключаются
показывает пустую страницу|показывают пустую страницу; не синхронизируется|не синхронизируются; перезагружается сам по себе|перезагружаются сами по себе
не обновляется|не обновляются; теряет соединение|теряют соединение; долго грузится|долго грузятся
мигает красным|мигают красным; не находит устройства|не находят устройства; разряжается за ночь|разряжаются за ночь
`);
const RU_ACTIONS = ['настроить', 'отключить', 'сбросить', 'перенести', 'подключить', 'обновить', 'удалить', 'восстановить', 'переименовать',
  'синхронизировать', 'откатить', 'экспортировать', 'перепрошить', 'привязать', 'отвязать', 'зашифровать'];
const RU_WHEN = ['после обновления', 'с утра', 'после перезагрузки', 'раз в пару дней', 'только по вечерам', 'после смены пароля',
  'при слабом сигнале', 'с прошлой недели', 'после переезда', 'в роуминге', 'на морозе', 'при включённом VPN'];

// English nouns, most common first: singular | plural.
const EN_NOUNS = lines(`
app|apps; update|updates; notification|notifications; account|accounts; setting|settings; server|servers
router|routers; password|passwords; browser|browsers; firmware|firmwares; integration|integrations; webhook|webhooks
token|tokens; export|exports; backup|backups; dashboard|dashboards; subscription|subscriptions; invoice|invoices
camera|cameras; sensor|sensors; speaker|speakers; bulb|bulbs; plug|plugs; thermostat|thermostats
hub|hubs; widget|widgets; template|templates; report|reports; certificate|certificates; cache|caches
log|logs; query|queries; endpoint|endpoints; proxy|proxies; container|containers; database|databases
migration|migrations; dark mode|dark modes; single sign-on|single sign-ons; mobile app|mobile apps; REST API|REST APIs; rate limit|rate limits
vacuum cleaner|vacuum cleaners; door lock|door locks; doorbell|doorbells; repeater|repeaters
`);
const EN_VERBS = lines(`
stopped working|stopped working; keeps crashing|keep crashing; does not sync|do not sync; times out|time out
shows a blank page|show a blank page; loses the connection|lose the connection; resets itself|reset themselves; fails to load|fail to load
throws an error|throw an error; drains the battery|drain the battery; ignores the schedule|ignore the schedule; returns 500|return 500
hangs on startup|hang on startup; goes offline at night|go offline at night
`);
const EN_ACTIONS = ['configure', 'disable', 'reset', 'migrate', 'connect', 'update', 'delete', 'restore', 'rename', 'sync', 'roll back',
  'export', 'reflash', 'pair', 'unpair', 'encrypt', 'rotate', 'throttle'];
const EN_WHEN = ['after the update', 'since yesterday', 'after a reboot', 'every couple of days', 'only at night', 'after changing the password',
  'on weak Wi-Fi', 'since last week', 'behind a proxy', 'when roaming', 'in the cold', 'with the VPN on'];

// The long tail: made-up names (plugins, towns, providers), device models, versions and error codes.
const SYLLABLES = ['ка', 'ро', 'ми', 'ла', 'ве', 'тон', 'зар', 'бел', 'кор', 'дин', 'сев', 'пол', 'мар', 'лин', 'тар', 'гор', 'сан',
  'вид', 'рус', 'нор'];
const LATIN = ['ka', 'ro', 'mi', 'la', 've', 'ton', 'zar', 'bel', 'kor', 'din', 'sev', 'pol', 'mar', 'lin', 'tar', 'gor', 'san', 'vid',
  'rus', 'nor'];
const BRANDS = ['Keenetic', 'Archer', 'Zenfone', 'Aqara', 'Yeelight', 'Sonoff', 'Xiaomi', 'Tuya', 'Netgear', 'MikroTik', 'Ubiquiti', 'Redmi'];
/** A made-up word from three syllables; `n` below 8000 gives a distinct one. */
const madeUp = (n: number, latin: boolean) => {
  const s = latin ? LATIN : SYLLABLES;
  return s[n % 20]! + s[Math.floor(n / 20) % 20]! + s[Math.floor(n / 400) % 20]!;
};
const tailIndex = (rnd: () => number) => Math.floor(Math.exp(rnd() * Math.log(8001))) - 1;
const name = (rnd: () => number, latin: boolean) => {
  const w = madeUp((tailIndex(rnd) * 7919) % 8000, latin);
  return w.charAt(0).toUpperCase() + w.slice(1);
};
const model = (rnd: () => number) => `${zipf(rnd, BRANDS)} ${String.fromCharCode(65 + Math.floor(rnd() * 26))}${10 + tailIndex(rnd)}`;
const version = (rnd: () => number) => `${1 + Math.floor(rnd() * 5)}.${Math.floor(rnd() * 40)}.${Math.floor(rnd() * 12)}`;
const errorCode = (rnd: () => number) => `E${1000 + ((tailIndex(rnd) * 37) % 9000)}`;

type Fill = (rnd: () => number) => string;
/** Fills {n}{g}{a}{p}{pl} (a noun's forms), {v}/{vp} (its predicate), {do}, {when}, {name}, {model}, {ver}, {err}, {num}. */
function filler(lang: Lang): (template: string) => Fill {
  return (template) => (rnd) => {
    const noun = lang === 'ru' ? zipf(rnd, RU_NOUNS) : zipf(rnd, EN_NOUNS);
    const verb = lang === 'ru' ? zipf(rnd, RU_VERBS) : zipf(rnd, EN_VERBS);
    return template.replace(/\{(\w+)\}/g, (_m, k: string) => {
      switch (k) {
        case 'n': return noun[0]!;
        case 'g': return lang === 'ru' ? noun[1]! : noun[0]!;
        case 'a': return lang === 'ru' ? noun[2]! : noun[0]!;
        case 'p': return lang === 'ru' ? noun[3]! : noun[0]!;
        case 'pl': return lang === 'ru' ? noun[4]! : noun[1]!;
        case 'n2': return (lang === 'ru' ? zipf(rnd, RU_NOUNS) : zipf(rnd, EN_NOUNS))[lang === 'ru' ? 2 : 0]!;
        case 'v': return verb[0]!;
        case 'vp': return verb[1]!;
        case 'do': return zipf(rnd, lang === 'ru' ? RU_ACTIONS : EN_ACTIONS);
        case 'when': return zipf(rnd, lang === 'ru' ? RU_WHEN : EN_WHEN);
        case 'name': return name(rnd, lang === 'en');
        case 'model': return model(rnd);
        case 'ver': return version(rnd);
        case 'err': return errorCode(rnd);
        case 'num': return String(2 + tailIndex(rnd));
        default: return k;
      }
    });
  };
}

const RU_SENTENCES = [
  '{n} {v} {when}.', 'После обновления до {ver} {n} {v}.', 'У меня {pl} {vp}, хотя на другом телефоне всё нормально.',
  'Подскажите, как {do} {a}?', 'Проверил настройки {g} — всё включено.', 'В {p} есть пункт «{name}», но он ничего не меняет.',
  'Попробуйте {do} {a} и перезапустить {n2}.', 'Есть ли способ {do} {a} без потери данных?', 'Ошибка {err} появляется, когда открываю {a}.',
  'Кстати, в {ver} это уже исправлено, см. журнал изменений.', 'Столкнулся с тем же на {model}.', 'Пишет «{err}: доступ запрещён».',
  'Было бы здорово, если бы в {p} можно было {do} {n2}.', 'Живу в {name}, провайдер {name}, {n} {v} примерно раз в день.',
  'Поддержка ответила, что {n} на {model} пока не поддерживается.', 'Сделал всё по инструкции, но {n} всё равно {v}.',
  'Откатился на {ver}, и {n} снова работает.', 'Сколько {g} можно подключить к одному аккаунту?', 'У кого {model}, как у вас с {p}?',
  'Похоже, проблема в {p}: после сброса {g} всё заработало.', 'Отправил логи в поддержку, номер обращения {num}.',
  'Плагин «{name}» умеет {do} {a}, но только вручную.', 'Уже {num} дней жду исправления, {n} так и {v}.',
];
const EN_SENTENCES = [
  'The {n} {v} {when}.', 'After updating to {ver} the {n} {v}.', 'My {pl} {vp}, although everything is fine on another phone.',
  'How do I {do} the {n}?', 'I checked the {n} settings and everything is enabled.', 'There is an option called "{name}" but it changes nothing.',
  'Try to {do} the {n} and restart the {n2}.', 'Is there a way to {do} the {n} without losing data?', 'Error {err} shows up when I open the {n}.',
  'This is fixed in {ver}, see the changelog.', 'Same here on a {model}.', 'It says "{err}: access denied".',
  'It would be great if we could {do} the {n2} from the {n} page.', 'The {name} plugin can {do} the {n}, but only by hand.',
  'Support told me the {n} is not supported on the {model} yet.', 'I followed the guide but the {n} still {v}.',
  'Rolling back to {ver} made the {n} work again.', 'How many {pl} can one account have?', 'Anyone with a {model}: does your {n} work?',
  'Looks like the {n} was the culprit: after a reset it works.', 'I sent the logs to support, ticket {num}.',
  'Waiting {num} days for a fix now and the {n} still {v}.', 'Our {name} team uses the {n} heavily, so this matters to us.',
];
const RU_OPENERS = ['Всем привет!', 'Добрый день.', 'Здравствуйте!', 'Коллеги, нужна помощь.', 'Привет, форум.'];
const EN_OPENERS = ['Hi everyone,', 'Hello!', 'Hey folks,', 'Quick question:', 'Good morning,'];
const RU_SHORT = ['Спасибо, помогло!', '+1, тоже жду.', 'Та же проблема.', 'Подтверждаю, воспроизводится.', 'Решено, спасибо.'];
const EN_SHORT = ['Thanks, that helped!', '+1, would love to see this.', 'Same problem here.', 'Confirmed, I can reproduce it.', 'Solved, thanks.'];
const CODE = [
  '```sh\ncurl -X POST https://forum.example.com/api/{path} -H "Authorization: Bearer $TOKEN"\n```',
  '```js\nawait fetch("/api/{path}", { method: "POST", body: JSON.stringify({ id: {num} }) });\n```',
  '```\n{err}: connection reset by peer (attempt {num})\n```',
  '```yaml\n{path}:\n  enabled: true\n  retries: {num}\n```',
  '`X-Forwarded-Proto` и `{path}` в конфиге прокси.',
  'Set `{path}_timeout={num}` in the config.',
];
const PATHS = ['topics', 'webhooks', 'devices', 'export', 'backup', 'sessions', 'scenes', 'sensors', 'invoices', 'tokens'];
const RU_TITLES = ['Как {do} {a}?', '{n} {v} {when}', 'Вопрос про {a}', 'Идея: {do} {a}', '{n} на {model}', 'Ошибка {err} в {p}',
  'Отзыв про {a}', 'Не получается {do} {a}'];
const EN_TITLES = ['How do I {do} the {n}?', 'The {n} {v} {when}', 'Question about the {n}', 'Feature request: {do} the {n}',
  '{n} on the {model}', 'Error {err} in the {n}', 'Tips for the {n}', 'Cannot {do} the {n}'];

const fillers = { ru: filler('ru'), en: filler('en') };
const compiled = {
  ru: { sentences: RU_SENTENCES.map(fillers.ru), titles: RU_TITLES.map(fillers.ru) },
  en: { sentences: EN_SENTENCES.map(fillers.en), titles: EN_TITLES.map(fillers.en) },
};

/** A topic title in this language, capitalized. */
export function makeTitle(rnd: () => number, lang: Lang): string {
  const t = pick(rnd, compiled[lang].titles)(rnd);
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** One to three sentences, a few words in bold or italics. */
function paragraph(rnd: () => number, lang: Lang): string {
  const n = 1 + Math.floor(rnd() * rnd() * 3.5);
  const text = Array.from({ length: n }, () => capital(pick(rnd, compiled[lang].sentences)(rnd))).join(' ');
  return rnd() < 0.1 ? text.replace(/([\p{L}]{6,})/u, '**$1**') : text;
}

const code = (rnd: () => number) => pick(rnd, CODE).replace('{path}', zipf(rnd, PATHS)).replace('{num}', String(1 + Math.floor(rnd() * 300)))
  .replace('{err}', errorCode(rnd));
const quote = (rnd: () => number, lang: Lang) => `> ${capital(pick(rnd, compiled[lang].sentences)(rnd))}`;
const list = (rnd: () => number, lang: Lang) =>
  Array.from({ length: 2 + Math.floor(rnd() * 3) }, (_, i) => `${i + 1}. ${capital(pick(rnd, compiled[lang].sentences)(rnd))}`).join('\n');

/** Markdown blocks with their cooked HTML; a post is a few of them. */
interface Pool { md: string[]; html: string[] }
const pool = (blocks: string[]): Pool => ({ md: blocks, html: blocks.map((b) => cook(b)) });

/** Pre-cooked blocks for one language. */
export interface TextPools { paragraphs: Pool; quotes: Pool; lists: Pool; code: Pool; openers: Pool; short: Pool }

/** Builds the block pools; `size` paragraphs per language (the other kinds are smaller). */
export function textPools(seed: number, size: number): Record<Lang, TextPools> {
  const rnd = prng(seed);
  const make = (lang: Lang): TextPools => ({
    paragraphs: pool(Array.from({ length: size }, () => paragraph(rnd, lang))),
    quotes: pool(Array.from({ length: Math.ceil(size / 8) }, () => quote(rnd, lang))),
    lists: pool(Array.from({ length: Math.ceil(size / 20) }, () => list(rnd, lang))),
    code: pool(Array.from({ length: Math.ceil(size / 20) }, () => code(rnd))),
    openers: pool(lang === 'ru' ? RU_OPENERS : EN_OPENERS),
    short: pool(lang === 'ru' ? RU_SHORT : EN_SHORT),
  });
  return { ru: make('ru'), en: make('en') };
}

/**
 * A post body from pool blocks: markdown joined by blank lines, HTML by concatenation (each block renders
 * alone exactly as inside the body: paragraphs, one quote, one list and fenced code never merge).
 * A first post opens with a greeting more often and is longer; some replies quote or are one-liners.
 */
export function composeBody(rnd: () => number, pools: TextPools, first: boolean): { md: string; html: string } {
  const md: string[] = [];
  let html = '';
  const add = (p: Pool) => {
    const i = Math.floor(rnd() * p.md.length);
    md.push(p.md[i]!);
    html += p.html[i]!;
  };
  if (!first && rnd() < 0.15) add(pools.short);
  else {
    if (rnd() < (first ? 0.5 : 0.1)) add(pools.openers);
    if (!first && rnd() < 0.15) add(pools.quotes);
    const paras = 1 + Math.floor(rnd() * (first ? 3 : 2));
    for (let i = 0; i < paras; i++) add(pools.paragraphs);
    const extra = rnd();
    if (extra < 0.08) add(pools.code);
    else if (extra < 0.13) add(pools.lists);
  }
  return { md: md.join('\n\n'), html };
}
