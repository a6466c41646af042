# ruff: noqa: E501
# Prose is kept one paragraph per line so that editors and translators can change a text
# without re-wrapping it; a line-length limit would only get in their way here.
"""Starter library of response templates, in Russian and English.

Pure data, no Django: a seeding service copies these into ``ResponseTemplate`` rows.
Placeholders are written ``{{ name }}``. ``brand``, ``incident_title`` and ``today``
are always available; every other placeholder in a body is declared in ``variables``,
and every declared variable appears in the body. Each key ends with its language
(``_ru`` / ``_en``), and both languages carry the same set of base keys.
"""

import textwrap
from typing import TypedDict


class StarterTemplate(TypedDict):
    key: str
    name: str
    channel: str
    language: str
    tone: str
    body: str
    variables: list[str]


# The placeholders of the data-breach notice, in Russian and in English alike.
_DATA_BREACH_VARIABLES = (
    "customer_name",
    "discovery_date",
    "data_categories",
    "unaffected_data",
    "contact_email",
)


def _text(value: str) -> str:
    """Strip the source indentation of a triple-quoted body, keep its line breaks."""
    return textwrap.dedent(value).strip()


# Alike each other and _EN on purpose: data, one entry per template with the same keys in each;
# every body is written for its channel, tone and language, not copied.
_RU: list[StarterTemplate] = [
    {
        "key": "holding_statement_x_ru",
        "name": "Первое заявление (X)",
        "channel": "x",
        "language": "ru",
        "tone": "empathetic",
        "body": _text(
            """
            Мы видим ваши сообщения про «{{ incident_title }}» и уже разбираемся. Понимаем, как это неприятно, и не будем делать вид, что всё в порядке. Следующее обновление — в {{ next_update_time }}, здесь же.
            """
        ),
        "variables": ["next_update_time"],
    },
    {
        "key": "holding_statement_telegram_ru",
        "name": "Первое заявление (Telegram)",
        "channel": "telegram",
        "language": "ru",
        "tone": "empathetic",
        "body": _text(
            """
            Друзья, это команда {{ brand }}.

            Мы знаем о проблеме «{{ incident_title }}» и читаем всё, что вы пишете, — в комментариях, в личных сообщениях и в других соцсетях. Спасибо тем, кто прислал подробности и скриншоты: так мы разберёмся быстрее.

            Что известно на эту минуту: {{ current_status }}

            Гадать о том, чего мы пока не знаем, не будем. Как только появятся проверенные факты, расскажем о них здесь — простыми словами и без попыток преуменьшить проблему.

            Следующее обновление — в {{ next_update_time }}. Даже если новостей будет немного, мы всё равно выйдем на связь и скажем, на каком мы этапе.

            Если проблема коснулась лично вас, напишите на {{ contact_email }}. Мы ответим каждому и не будем отправлять вас по кругу между отделами.
            """
        ),
        "variables": ["current_status", "next_update_time", "contact_email"],
    },
    {
        "key": "public_apology_website_ru",
        "name": "Публичное извинение (сайт)",
        "channel": "website",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            Простите нас

            {{ today }}

            {{ what_happened }}

            Это произошло по нашей вине. Мы не станем списывать случившееся на «технические обстоятельства» или «человеческий фактор»: за то, с чем сталкиваетесь вы, отвечаем мы. И мы понимаем, чего это стоило многим из вас, — времени, сорванных планов и нервов.

            Что мы уже сделали и что сделаем дальше:
            {{ actions_taken }}

            Мы будем считать историю закрытой не тогда, когда о ней перестанут писать, а когда устраним причину. О каждом шаге расскажем на этой странице и в наших соцсетях.

            Если ситуация коснулась вас, напишите на {{ contact_email }}. Каждое обращение прочитает конкретный человек, и вы получите ответ по существу, а не отписку.

            Команда {{ brand }}
            """
        ),
        "variables": ["what_happened", "actions_taken", "contact_email"],
    },
    {
        "key": "apology_reply_x_ru",
        "name": "Извинение клиенту (ответ в X)",
        "channel": "x",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            {{ customer_name }}, простите, что так вышло: вы не должны были с этим столкнуться. Напишите нам в личные сообщения — разберёмся именно с вашим случаем и доведём его до конца. {{ agent_name }}, {{ brand }}
            """
        ),
        "variables": ["customer_name", "agent_name"],
    },
    {
        "key": "apology_reply_vk_ru",
        "name": "Извинение клиенту (ответ во ВКонтакте)",
        "channel": "vk",
        "language": "ru",
        "tone": "empathetic",
        "body": _text(
            """
            {{ customer_name }}, здравствуйте. Меня зовут {{ agent_name }}, я из команды {{ brand }}.

            Простите нас. По вашему сообщению видно, сколько времени и сил ушло на то, что должно было просто работать, — и это наша недоработка, а не ваша.

            Ваш случай теперь у меня, и я веду его лично. Чтобы вам не пришлось пересказывать всё заново, напишите, пожалуйста, в личные сообщения сообщества номер заказа или телефон, к которому привязан аккаунт. Дальше мы всё возьмём на себя и вернёмся с решением, а не с очередным «ваше обращение зарегистрировано».
            """
        ),
        "variables": ["customer_name", "agent_name"],
    },
    {
        "key": "compensation_offer_email_ru",
        "name": "Предложение компенсации (email)",
        "channel": "email",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            Тема: {{ brand }}: извинения и компенсация для вас

            Здравствуйте, {{ customer_name }}!

            Меня зовут {{ agent_name }}, я пишу вам от команды {{ brand }} по поводу ситуации «{{ incident_title }}».

            Простите нас. Вы рассчитывали на нас, а получили лишние хлопоты, и случилось это по нашей вине.

            Компенсация не вернёт потраченное время, но мы хотим хотя бы отчасти исправить положение. Для вас: {{ compensation }}.

            Предложение действует до {{ valid_until }}. Чтобы им воспользоваться, достаточно ответить на это письмо — всё остальное мы оформим сами, без анкет и повторных объяснений.

            Кроме того, мы меняем сам процесс, из-за которого всё произошло, чтобы ни вам, ни другим клиентам не пришлось проходить через это снова.

            Если вам кажется, что такая компенсация не соответствует случившемуся, просто напишите об этом в ответ. Ваше письмо придёт напрямую мне, и мы вместе решим, как поступить.

            С уважением,
            {{ agent_name }}
            {{ brand }}
            """
        ),
        "variables": ["customer_name", "agent_name", "compensation", "valid_until"],
    },
    {
        "key": "compensation_offer_reply_x_ru",
        "name": "Компенсация (ответ в X)",
        "channel": "x",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            {{ customer_name }}, одних слов здесь мало. Мы отправили вам личное сообщение с извинениями и предложением компенсации — посмотрите, пожалуйста, и скажите, подходит ли вам такой вариант.
            """
        ),
        "variables": ["customer_name"],
    },
    {
        "key": "compensation_offer_sms_ru",
        "name": "Компенсация (SMS)",
        "channel": "sms",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            {{ brand }}: простите, что подвели. Для вас — {{ compensation }}, действует до {{ valid_until }}. Подробности в письме на вашей почте.
            """
        ),
        "variables": ["compensation", "valid_until"],
    },
    {
        "key": "fix_update_telegram_ru",
        "name": "Исправление и обновление (Telegram)",
        "channel": "telegram",
        "language": "ru",
        "tone": "informative",
        "body": _text(
            """
            Новости по ситуации «{{ incident_title }}»

            Коротко: мы нашли причину и исправили её.

            Что пошло не так: {{ root_cause }}

            Что мы изменили: {{ fix_summary }}

            Исправление действует с {{ fix_date }}.

            Что нужно сделать вам: {{ customer_action }}

            Спасибо всем, кто писал нам, присылал фото, номера заказов и подробности: без них мы искали бы причину намного дольше. И отдельное спасибо тем, кто был недоволен, но всё же дождался ответа, — мы знаем, что ждать пришлось дольше, чем следовало.

            Если после {{ fix_date }} проблема повторится, напишите в комментариях или на {{ contact_email }}, и мы разберёмся с каждым случаем отдельно.

            Команда {{ brand }}
            """
        ),
        "variables": ["root_cause", "fix_summary", "fix_date", "customer_action", "contact_email"],
    },
    {
        "key": "fix_follow_up_email_ru",
        "name": "Письмо пострадавшему после исправления (email)",
        "channel": "email",
        "language": "ru",
        "tone": "empathetic",
        "body": _text(
            """
            Тема: {{ brand }}: мы исправили то, о чём вы нам писали

            Здравствуйте, {{ customer_name }}!

            Недавно вы рассказали нам о проблеме «{{ incident_title }}». Мы обещали вернуться — и возвращаемся не с очередным «мы разбираемся», а с результатом.

            Что мы сделали: {{ fix_summary }}

            Спасибо, что нашли время написать. Именно такие сообщения, как ваше, подсказали нам, где искать причину.

            Проверьте, пожалуйста, всё ли теперь в порядке у вас. Если что-то по-прежнему не так или остались вопросы, просто ответьте на это письмо — оно придёт напрямую мне.

            С уважением,
            {{ agent_name }}
            {{ brand }}
            """
        ),
        "variables": ["customer_name", "fix_summary", "agent_name"],
    },
    {
        "key": "data_leak_email_ru",
        "name": "Уведомление об утечке данных (email)",
        "channel": "email",
        "language": "ru",
        "tone": "informative",
        "body": _text(
            """
            Тема: Важно: инцидент с вашими данными в {{ brand }}

            Здравствуйте, {{ customer_name }}!

            Мы пишем, чтобы прямо рассказать, что произошло и что это значит для вас.

            Что случилось
            {{ discovery_date }} мы обнаружили, что часть данных наших клиентов стала доступна посторонним. Мы сразу закрыли этот доступ, начали расследование и уведомили Роскомнадзор, как того требует закон.

            Какие ваши данные могли быть затронуты
            {{ data_categories }}

            Что не затронуто
            {{ unaffected_data }}

            Что мы уже сделали
            — закрыли доступ к данным и проверяем, нет ли похожих уязвимостей в других системах;
            — сбросили пароли затронутых учётных записей: при следующем входе вы зададите новый;
            — сократили круг сотрудников, у которых есть доступ к данным клиентов.

            Что мы советуем сделать вам
            — придумайте новый пароль и смените его на других сайтах, если пользовались там таким же;
            — включите вход с одноразовым кодом, если ещё не сделали этого;
            — осторожнее относитесь к звонкам, письмам и сообщениям от имени {{ brand }}. Мы никогда не просим назвать пароль, код из SMS или данные банковской карты.

            Мы не будем строить предположений о том, кто за этим стоит, пока идёт расследование. Когда узнаем больше, напишем вам снова.

            Нам очень жаль. Вы доверили нам свои данные, и защищать их — наша обязанность. Если у вас есть вопросы или вы заметили что-то подозрительное, напишите на {{ contact_email }}.

            Команда {{ brand }}
            """
        ),
        "variables": list(_DATA_BREACH_VARIABLES),
    },
    {
        "key": "data_leak_telegram_ru",
        "name": "Сообщение об утечке данных (Telegram)",
        "channel": "telegram",
        "language": "ru",
        "tone": "informative",
        "body": _text(
            """
            Важное сообщение о данных клиентов {{ brand }}

            {{ discovery_date }} мы обнаружили, что часть данных наших клиентов стала доступна посторонним. Доступ закрыт, идёт расследование, Роскомнадзор уведомлён.

            Какие данные могли быть затронуты: {{ data_categories }}

            Всем, кого это касается, мы пишем лично на электронную почту. Пароли затронутых учётных записей сброшены — при следующем входе нужно будет задать новый.

            Пожалуйста, будьте внимательны: мошенники любят пользоваться такими новостями. Мы никогда не звоним и не пишем с просьбой назвать пароль, код из SMS или данные карты.

            Догадок о причинах строить не будем, пока не закончим проверку, — расскажем только то, что подтвердится. Следующее обновление — в {{ next_update_time }}.

            Вопросы можно задать на {{ contact_email }}. Нам очень жаль, что так произошло.
            """
        ),
        "variables": ["discovery_date", "data_categories", "next_update_time", "contact_email"],
    },
    {
        "key": "status_update_x_ru",
        "name": "Регулярное обновление (X)",
        "channel": "x",
        "language": "ru",
        "tone": "informative",
        "body": _text(
            """
            Обновление по ситуации «{{ incident_title }}», {{ today }}.

            {{ current_status }}

            Следующее обновление — в {{ next_update_time }}. Выйдем на связь, даже если новостей не будет.
            """
        ),
        "variables": ["current_status", "next_update_time"],
    },
    {
        "key": "ad_campaign_apology_press_release_ru",
        "name": "Извинение за рекламную кампанию (пресс-релиз)",
        "channel": "press_release",
        "language": "ru",
        "tone": "apologetic",
        "body": _text(
            """
            {{ brand }} останавливает рекламную кампанию «{{ campaign_name }}» и просит прощения

            {{ today }}

            {{ brand }} останавливает кампанию «{{ campaign_name }}» во всех каналах. Поводом стало публичное высказывание лица кампании — {{ ambassador_name }}.

            Мы не разделяем эти слова и считаем их оскорбительными. Они расходятся с тем, во что мы верим и как относимся к нашим клиентам, сотрудникам и партнёрам.

            Мы просим прощения у всех, кого они задели. Мы сами выбирали, кто будет представлять наш бренд, и отвечаем за этот выбор.

            Что мы делаем:
            — остановили показ всех материалов кампании в интернете, на телевидении и на наружных носителях; то, что невозможно снять сразу, например уже напечатанные материалы, уберём в течение нескольких дней;
            — пересматриваем договор с лицом кампании;
            — меняем порядок выбора партнёров для будущих кампаний.

            Спасибо всем, кто открыто сказал нам, что думает. Мы вас услышали.

            Контакты для СМИ: {{ press_contact }}
            """
        ),
        "variables": ["campaign_name", "ambassador_name", "press_contact"],
    },
    {
        "key": "employee_post_statement_website_ru",
        "name": "Заявление о ценностях после публикации сотрудника (сайт)",
        "channel": "website",
        "language": "ru",
        "tone": "firm",
        "body": _text(
            """
            О публикации одного из наших сотрудников

            {{ today }}

            Мы знаем о публикации в личном аккаунте одного из сотрудников {{ brand }} и видим, как на неё отреагировали.

            Скажем прямо: эти слова не отражают позицию компании и противоречат тому, как мы работаем. В {{ brand }} нет места унижению людей по какому бы то ни было признаку — ни в разговоре с клиентами, ни внутри команды, ни в публичных высказываниях.

            Ситуацию разбирают руководство и служба персонала — по трудовому законодательству и внутренним правилам компании. Итог проверки мы сообщим в общем виде: личные данные сотрудника и подробности кадровых решений мы не раскрываем ни в этом, ни в любом другом случае.

            Мы просим не публиковать имя, контакты, адрес и другие личные данные этого человека и его близких. Травля недопустима ни с какой стороны, и такие комментарии на наших страницах мы скрываем.

            Тем, кого эта публикация задела: нам жаль, что вам пришлось это прочитать. Если вы хотите нам что-то сказать, напишите на {{ contact_email }} — мы прочитаем каждое письмо.

            Команда {{ brand }}
            """
        ),
        "variables": ["contact_email"],
    },
]

# Alike _RU on purpose: the English counterpart of each Russian template, same base keys.
_EN: list[StarterTemplate] = [
    {
        "key": "holding_statement_x_en",
        "name": "Holding statement (X)",
        "channel": "x",
        "language": "en",
        "tone": "empathetic",
        "body": _text(
            """
            We're seeing your posts about {{ incident_title }} and we're looking into it now. We know how frustrating this is, and we won't pretend everything is fine. Next update at {{ next_update_time }}, right here.
            """
        ),
        "variables": ["next_update_time"],
    },
    {
        "key": "holding_statement_telegram_en",
        "name": "Holding statement (Telegram)",
        "channel": "telegram",
        "language": "en",
        "tone": "empathetic",
        "body": _text(
            """
            Hi everyone, this is the {{ brand }} team.

            We know about the problem with {{ incident_title }}, and we're reading everything you send us: comments, direct messages and posts on other platforms. Thank you to everyone who shared details and screenshots; it helps us get to the bottom of this faster.

            What we know right now: {{ current_status }}

            We won't guess at what we don't know yet. As soon as we have confirmed facts, we'll share them here, in plain words and without playing the problem down.

            Our next update is at {{ next_update_time }}. Even if there isn't much news by then, we'll still check in and tell you where things stand.

            If this has affected you personally, email us at {{ contact_email }}. We'll answer every message, and we won't send you from one department to another.
            """
        ),
        "variables": ["current_status", "next_update_time", "contact_email"],
    },
    {
        "key": "public_apology_website_en",
        "name": "Public apology (website)",
        "channel": "website",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            We're sorry

            {{ today }}

            {{ what_happened }}

            This one is on us. We won't hide behind “technical circumstances” or “human error”: what you experience with us is our responsibility. We know what it cost many of you in time, in plans that fell through, and in stress.

            What we have done so far, and what comes next:
            {{ actions_taken }}

            We won't consider this closed when people stop talking about it, but when we have fixed the cause. We'll report every step on this page and on our social channels.

            If this affected you, write to us at {{ contact_email }}. A real person will read every message, and you'll get a real answer, not a form letter.

            The {{ brand }} team
            """
        ),
        "variables": ["what_happened", "actions_taken", "contact_email"],
    },
    {
        "key": "apology_reply_x_en",
        "name": "Apology to a customer (X reply)",
        "channel": "x",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            {{ customer_name }}, we're sorry, this shouldn't have happened to you. Could you send us a DM? We'll look at your case specifically and see it through to the end. {{ agent_name }}, {{ brand }}
            """
        ),
        "variables": ["customer_name", "agent_name"],
    },
    {
        "key": "apology_reply_vk_en",
        "name": "Apology to a customer (VK reply)",
        "channel": "vk",
        "language": "en",
        "tone": "empathetic",
        "body": _text(
            """
            Hi {{ customer_name }}, I'm {{ agent_name }} from the {{ brand }} team.

            I'm sorry. Your message makes it clear how much time and energy you've spent on something that should simply have worked, and that's our failure, not yours.

            Your case is with me now and I'll handle it personally. So you don't have to explain everything again, please send a private message to our community with your order number or the phone number on your account. We'll take it from there and come back with a solution, not another “your request has been logged”.
            """
        ),
        "variables": ["customer_name", "agent_name"],
    },
    {
        "key": "compensation_offer_email_en",
        "name": "Compensation offer (email)",
        "channel": "email",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            Subject: {{ brand }}: our apology, and something to make up for it

            Hello {{ customer_name }},

            My name is {{ agent_name }} and I'm writing on behalf of the {{ brand }} team about {{ incident_title }}.

            We're sorry. You counted on us and got extra hassle instead, and that was our fault.

            Compensation won't give you back the time you lost, but we'd like to put at least part of it right. For you: {{ compensation }}.

            The offer is valid until {{ valid_until }}. To accept it, just reply to this email and we'll take care of the rest: no forms, and no need to explain everything again.

            We are also changing the process that caused this, so that neither you nor anyone else has to go through it again.

            If you feel this doesn't match what happened, tell us in your reply. It comes straight to me, and we'll work out together what to do.

            Kind regards,
            {{ agent_name }}
            {{ brand }}
            """
        ),
        "variables": ["customer_name", "agent_name", "compensation", "valid_until"],
    },
    {
        "key": "compensation_offer_reply_x_en",
        "name": "Compensation (X reply)",
        "channel": "x",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            {{ customer_name }}, words alone aren't enough here. We've sent you a DM with our apology and a compensation offer. Please take a look and tell us whether it works for you.
            """
        ),
        "variables": ["customer_name"],
    },
    {
        "key": "compensation_offer_sms_en",
        "name": "Compensation (SMS)",
        "channel": "sms",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            {{ brand }}: we're sorry we let you down. Please accept {{ compensation }}, valid until {{ valid_until }}. Details are in your email.
            """
        ),
        "variables": ["compensation", "valid_until"],
    },
    {
        "key": "fix_update_telegram_en",
        "name": "Fix and update (Telegram)",
        "channel": "telegram",
        "language": "en",
        "tone": "informative",
        "body": _text(
            """
            Update on {{ incident_title }}

            In short: we've found the cause and fixed it.

            What went wrong: {{ root_cause }}

            What we changed: {{ fix_summary }}

            The fix is in place from {{ fix_date }}.

            What you need to do: {{ customer_action }}

            Thank you to everyone who wrote to us and sent photos, order numbers and details: without them, finding the cause would have taken much longer. And a special thank-you to those who were upset but still waited for our answer. We know the wait was longer than it should have been.

            If the problem comes back after {{ fix_date }}, tell us in the comments or at {{ contact_email }} and we'll look into each case individually.

            The {{ brand }} team
            """
        ),
        "variables": ["root_cause", "fix_summary", "fix_date", "customer_action", "contact_email"],
    },
    {
        "key": "fix_follow_up_email_en",
        "name": "Follow-up to an affected customer after the fix (email)",
        "channel": "email",
        "language": "en",
        "tone": "empathetic",
        "body": _text(
            """
            Subject: {{ brand }}: we've fixed what you told us about

            Hello {{ customer_name }},

            A while ago you told us about a problem with {{ incident_title }}. We promised to come back to you, and we're coming back with a result rather than another “we're looking into it”.

            What we did: {{ fix_summary }}

            Thank you for taking the time to write. Messages like yours showed us where to look for the cause.

            Could you check whether everything works for you now? If something is still wrong or you have questions, just reply to this email; it comes straight to me.

            Kind regards,
            {{ agent_name }}
            {{ brand }}
            """
        ),
        "variables": ["customer_name", "fix_summary", "agent_name"],
    },
    {
        "key": "data_leak_email_en",
        "name": "Data leak notification (email)",
        "channel": "email",
        "language": "en",
        "tone": "informative",
        "body": _text(
            """
            Subject: Important: a security incident involving your {{ brand }} data

            Hello {{ customer_name }},

            We're writing to tell you plainly what happened and what it means for you.

            What happened
            On {{ discovery_date }} we discovered that some of our customers' data had become accessible to unauthorised people. We closed that access straight away, started an investigation and notified the data protection authority, as the law requires.

            Which of your data may be affected
            {{ data_categories }}

            What is not affected
            {{ unaffected_data }}

            What we have done
            - closed the access and started checking our other systems for similar weaknesses;
            - reset the passwords of affected accounts: you'll be asked to choose a new one the next time you sign in;
            - reduced the number of people inside the company who can access customer data.

            What we recommend
            - choose a new password, and change it on other sites where you used the same one;
            - turn on two-step verification if you haven't already;
            - be careful with calls, emails and messages that claim to come from {{ brand }}. We will never ask you for your password, a one-time code or your card details.

            We won't speculate about who is behind this while the investigation is under way. When we know more, we'll write to you again.

            We're truly sorry. You trusted us with your data, and protecting it is our job. If you have questions or notice anything suspicious, write to us at {{ contact_email }}.

            The {{ brand }} team
            """
        ),
        "variables": list(_DATA_BREACH_VARIABLES),
    },
    {
        "key": "data_leak_telegram_en",
        "name": "Data leak announcement (Telegram)",
        "channel": "telegram",
        "language": "en",
        "tone": "informative",
        "body": _text(
            """
            Important: about the data of {{ brand }} customers

            On {{ discovery_date }} we discovered that some of our customers' data had become accessible to unauthorised people. The access is closed, an investigation is under way, and the data protection authority has been notified.

            Data that may be affected: {{ data_categories }}

            We are writing personally, by email, to everyone this concerns. Passwords of affected accounts have been reset, so you'll be asked to choose a new one the next time you sign in.

            Please be careful: fraudsters like to take advantage of news like this. We never call or write to ask for your password, a one-time code or your card details.

            We won't guess at causes until our checks are finished; we'll only tell you what has been confirmed. Next update at {{ next_update_time }}.

            You can send your questions to {{ contact_email }}. We're very sorry this happened.
            """
        ),
        "variables": ["discovery_date", "data_categories", "next_update_time", "contact_email"],
    },
    {
        "key": "status_update_x_en",
        "name": "Status update (X)",
        "channel": "x",
        "language": "en",
        "tone": "informative",
        "body": _text(
            """
            Update on {{ incident_title }}, {{ today }}.

            {{ current_status }}

            Next update at {{ next_update_time }}. We'll post it even if there's nothing new.
            """
        ),
        "variables": ["current_status", "next_update_time"],
    },
    {
        "key": "ad_campaign_apology_press_release_en",
        "name": "Apology for an ad campaign (press release)",
        "channel": "press_release",
        "language": "en",
        "tone": "apologetic",
        "body": _text(
            """
            {{ brand }} stops its “{{ campaign_name }}” campaign and apologises

            {{ today }}

            {{ brand }} has stopped its “{{ campaign_name }}” campaign on all channels following a public statement by the face of the campaign, {{ ambassador_name }}.

            We do not share those words, and we find them offensive. They go against what we believe in and how we treat our customers, our people and our partners.

            We apologise to everyone they hurt. We chose who would represent our brand, and that choice was our responsibility.

            What we are doing:
            - every piece of the campaign has been taken down online, on TV and outdoors; anything that cannot come down at once, such as material already in print, will be gone within days;
            - we are reviewing our agreement with the face of the campaign;
            - we are changing how we choose partners for future campaigns.

            Thank you to everyone who told us openly what they think. We heard you.

            Media contact: {{ press_contact }}
            """
        ),
        "variables": ["campaign_name", "ambassador_name", "press_contact"],
    },
    {
        "key": "employee_post_statement_website_en",
        "name": "Statement of values after an employee's post (website)",
        "channel": "website",
        "language": "en",
        "tone": "firm",
        "body": _text(
            """
            About a post by one of our employees

            {{ today }}

            We are aware of a post on the personal account of someone who works at {{ brand }}, and we have seen the reaction to it.

            To be clear: those words do not reflect the position of the company and go against how we work. At {{ brand }} there is no place for demeaning people for who they are, whether with customers, inside the team or in public.

            Management and our people team are reviewing the matter under employment law and our internal rules. We will share the outcome in general terms; we do not disclose an employee's personal details or the specifics of personnel decisions, in this case or any other.

            We ask everyone not to publish the name, contact details, address or any other personal information of this person or their family. Harassment is unacceptable from any side, and we hide such comments on our pages.

            To those who were hurt by the post: we're sorry you had to read it. If there is something you want to tell us, write to {{ contact_email }}; we read every message.

            The {{ brand }} team
            """
        ),
        "variables": ["contact_email"],
    },
]

STARTER_TEMPLATES: list[StarterTemplate] = [*_RU, *_EN]
"""Every starter template, Russian first; keys are unique across both languages."""
